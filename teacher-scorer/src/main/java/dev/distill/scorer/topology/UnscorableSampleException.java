package dev.distill.scorer.topology;

/** A record that cannot be scored, with the reason code and the precise problem; it goes to the DLQ. */
public class UnscorableSampleException extends Exception {
  private static final long serialVersionUID = 1L;

  private final DlqReason reason;

  public UnscorableSampleException(DlqReason reason, String message) {
    this(reason, message, null);
  }

  public UnscorableSampleException(DlqReason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public DlqReason reason() {
    return reason;
  }

  /** The class that found the problem: the contract's exception when it was the contract's check. */
  public String detectedBy() {
    return (getCause() == null ? this : getCause()).getClass().getName();
  }
}
