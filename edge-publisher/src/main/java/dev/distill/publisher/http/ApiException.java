package dev.distill.publisher.http;

/** An answer other than success: a code from the stable vocabulary and a message for people. */
public final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;
  private final long retryAfterSeconds;

  public ApiException(ErrorCode code, String message) {
    this(code, message, 0);
  }

  /** @param retryAfterSeconds sent as {@code Retry-After} when positive */
  public ApiException(ErrorCode code, String message, long retryAfterSeconds) {
    super(message, null, false, false);
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  public ErrorCode code() {
    return code;
  }
}
