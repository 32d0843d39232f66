package dev.distill.client.http;

/** A download that cannot complete; {@link #tooLong()} when the server sent more than was signed. */
public final class DownloadException extends Exception {
  private static final long serialVersionUID = 1L;

  private final boolean tooLong;

  public DownloadException(String message, boolean tooLong, Throwable cause) {
    super(message, cause);
    this.tooLong = tooLong;
  }

  public boolean tooLong() {
    return tooLong;
  }
}
