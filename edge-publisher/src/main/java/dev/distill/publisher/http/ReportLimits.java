package dev.distill.publisher.http;

import java.time.Duration;

/**
 * Bounds on device reports.
 *
 * @param burst reports a quiet device may send at once
 * @param interval after a burst, one more report per interval
 * @param maxLabelled a report's labelled samples count at most this many (the weight of its accuracy in the gates)
 * @param maxInferences a report's inference and error counts count at most this many
 */
public record ReportLimits(int burst, Duration interval, long maxLabelled, long maxInferences) {
  public ReportLimits {
    if (burst < 1 || interval.isNegative() || interval.isZero() || maxLabelled < 0 || maxInferences < 0) {
      throw new IllegalArgumentException("burst >= 1, a positive interval and caps >= 0");
    }
  }
}
