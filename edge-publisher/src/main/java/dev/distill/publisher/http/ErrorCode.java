package dev.distill.publisher.http;

/**
 * Every error the API answers, with its HTTP status: the one place where codes meet
 * statuses. The names are part of the API; add, never rename.
 */
public enum ErrorCode {
  MALFORMED_JSON(400),
  INVALID_FIELD(400),
  MISSING_TOKEN(401),
  INVALID_TOKEN(401),
  FORBIDDEN(403),
  NOT_FOUND(404),
  UNKNOWN_DEVICE(404),
  UNKNOWN_MODEL(404),
  UNKNOWN_VERSION(404),
  UNKNOWN_ARTIFACT(404),
  DELTA_UNAVAILABLE(404),
  METHOD_NOT_ALLOWED(405),
  NOT_ACCEPTABLE(406),
  DEVICE_EXISTS(409),
  ROLLOUT_CONFLICT(409),
  BODY_TOO_LARGE(413),
  UNSUPPORTED_MEDIA_TYPE(415),
  INVALID_RANGE(416),
  /** A bound was reached (delta computations, event streams, report rate): retry after {@code Retry-After} seconds. */
  TOO_MANY_REQUESTS(429),
  NOT_READY(503),
  STATE_UNAVAILABLE(503),
  INTERNAL(500);

  private final int status;

  ErrorCode(int status) {
    this.status = status;
  }

  public int status() {
    return status;
  }

  /** The code for a status the framework raised itself (no route, wrong method, ...). */
  public static ErrorCode forStatus(int status) {
    return switch (status) {
      case 400 -> INVALID_FIELD;
      case 404 -> NOT_FOUND;
      case 405 -> METHOD_NOT_ALLOWED;
      case 406 -> NOT_ACCEPTABLE;
      case 413 -> BODY_TOO_LARGE;
      case 415 -> UNSUPPORTED_MEDIA_TYPE;
      case 416 -> INVALID_RANGE;
      case 429 -> TOO_MANY_REQUESTS;
      case 503 -> NOT_READY;
      default -> status >= 500 ? INTERNAL : INVALID_FIELD;
    };
  }
}
