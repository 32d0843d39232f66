package dev.distill.publisher;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.function.LongSupplier;

/** A clock tests move forward: a base (fixed, or the system's time) plus an offset. */
public final class TestClock extends Clock {
  private final LongSupplier baseMs;
  private volatile long offsetMs;

  private TestClock(LongSupplier baseMs) {
    this.baseMs = baseMs;
  }

  /** Starts at {@code ms} and moves only when told. */
  public static TestClock fixed(long ms) {
    return new TestClock(() -> ms);
  }

  /** The system's time, plus what the test adds. */
  public static TestClock system() {
    return new TestClock(System::currentTimeMillis);
  }

  public void advance(java.time.Duration d) {
    offsetMs += d.toMillis();
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(baseMs.getAsLong() + offsetMs);
  }
}
