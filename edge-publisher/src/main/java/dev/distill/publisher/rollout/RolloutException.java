package dev.distill.publisher.rollout;

/** An operator's rollout request that cannot be carried out, with the kind of problem. */
public final class RolloutException extends Exception {
  private static final long serialVersionUID = 1L;

  public enum Kind { UNKNOWN_MODEL, UNKNOWN_VERSION, CONFLICT }

  private final Kind kind;

  public RolloutException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
