package dev.distill.client.http;

/** The publisher answered with an error ({@code {code, message}}), or could not be reached (status 0). */
public final class PublisherException extends Exception {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String code;

  public PublisherException(int status, String code, String message) {
    super(status + " " + code + ": " + message);
    this.status = status;
    this.code = code;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }
}
