package dev.distill.publisher.http;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How often each device may report: a burst, then one report per interval (the generic cell
 * rate algorithm: one timestamp per device, no timers). Only authenticated devices reach it,
 * so it holds at most one entry per registered device.
 */
final class ReportLimiter {
  private final Clock clock;
  private final long intervalMs;
  private final long burstMs;
  /** Per device, when its bucket would be empty again ("theoretical arrival time"). */
  private final Map<String, Long> tat = new ConcurrentHashMap<>();

  /**
   * @param burst reports a quiet device may send at once
   * @param interval after a burst, one more report per interval
   */
  ReportLimiter(Clock clock, int burst, Duration interval) {
    this.clock = clock;
    this.intervalMs = interval.toMillis();
    this.burstMs = (burst - 1) * intervalMs;
  }

  /** @return 0 when the report is allowed (and counted), else the seconds to wait */
  long acquire(String deviceId) {
    long now = clock.millis();
    long[] wait = new long[1];
    tat.compute(deviceId, (id, t) -> {
      long next = t == null ? now : Math.max(t, now);
      if (next - now > burstMs) {
        wait[0] = Math.max(1, (next - burstMs - now + 999) / 1000);
        return t;
      }
      wait[0] = 0;
      return next + intervalMs;
    });
    return wait[0];
  }
}
