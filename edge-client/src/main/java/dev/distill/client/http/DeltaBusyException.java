package dev.distill.client.http;

import java.time.Duration;

/**
 * The publisher is computing as many deltas as it may at once ({@code 429} with
 * {@code Retry-After}): asking again after the pause usually gets the delta, which on a metered
 * link is worth the wait (a full artifact is many times its size).
 */
public final class DeltaBusyException extends Exception {
  private static final long serialVersionUID = 1L;

  private final Duration retryAfter;

  public DeltaBusyException(Duration retryAfter) {
    super("the publisher is busy computing deltas: retry after " + retryAfter.toSeconds() + " s", null, false, false);
    this.retryAfter = retryAfter;
  }

  public Duration retryAfter() {
    return retryAfter;
  }
}
