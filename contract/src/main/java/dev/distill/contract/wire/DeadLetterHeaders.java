package dev.distill.contract.wire;

/**
 * The record headers every dead letter carries, on {@code <prefix>.samples.dlq} (the
 * teacher-scorer) and {@code <prefix>.soft-targets.dlq} (the student-trainer): why the record was
 * refused and where it came from. The value is the refused record's own bytes; readers (the
 * publisher's console, {@code kcat -J}) need only these names.
 */
public final class DeadLetterHeaders {
  /** The stable reason code, lower case with dashes (e.g. {@code undecodable}). */
  public static final String REASON = "distill.dlq.reason";
  /** The precise problem, e.g. the field at fault. */
  public static final String MESSAGE = "distill.dlq.message";
  /** Class name of the exception that found the problem. */
  public static final String EXCEPTION = "distill.dlq.exception";
  public static final String SOURCE_TOPIC = "distill.dlq.source.topic";
  public static final String SOURCE_PARTITION = "distill.dlq.source.partition";
  public static final String SOURCE_OFFSET = "distill.dlq.source.offset";

  private DeadLetterHeaders() {}
}
