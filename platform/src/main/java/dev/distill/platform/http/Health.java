package dev.distill.platform.http;

/** The result of one health check. */
public record Health(boolean up, String detail) {
  public static Health up(String detail) {
    return new Health(true, detail);
  }

  public static Health down(String detail) {
    return new Health(false, detail);
  }
}
