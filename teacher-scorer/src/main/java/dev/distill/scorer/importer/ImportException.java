package dev.distill.scorer.importer;

/** A teacher that cannot be imported as asked; the message says what to change. */
public final class ImportException extends Exception {
  private static final long serialVersionUID = 1L;

  public ImportException(String message) {
    super(message);
  }
}
