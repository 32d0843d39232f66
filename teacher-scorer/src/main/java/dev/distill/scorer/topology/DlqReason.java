package dev.distill.scorer.topology;

/**
 * Why a sample went to the dead-letter topic: a small, stable vocabulary (the {@link #code()} is
 * the {@code distill.dlq.reason} header and the metric tag; never rename one).
 */
public enum DlqReason {
  /** Not a sample in the encoding its content-type names (garbage, null, an unknown content-type). */
  UNDECODABLE("undecodable"),
  /** A sample that breaks the contract (empty id, no features, a label the teacher has no class for, ...). */
  INVALID("invalid"),
  /** Features of an unsupported dtype, inconsistent with their shape, or not the teacher's input size D. */
  WRONG_SHAPE("wrong-shape"),
  /** NaN or infinite features. */
  NON_FINITE("non-finite"),
  /** A record value larger than the configured maximum. */
  OVERSIZED("oversized"),
  /** The teacher gave a non-finite logit for this sample (e.g. float features so large they overflow). */
  NON_FINITE_OUTPUT("non-finite-output");

  private final String code;

  DlqReason(String code) {
    this.code = code;
  }

  public String code() {
    return code;
  }
}
