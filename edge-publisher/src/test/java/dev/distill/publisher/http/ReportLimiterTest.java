package dev.distill.publisher.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class ReportLimiterTest {
  long now = 1_000_000;
  final Clock clock = new Clock() {
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
      return Instant.ofEpochMilli(now);
    }
  };

  @Test
  void aBurstThenOneReportPerIntervalWithTheWaitInSeconds() {
    ReportLimiter limiter = new ReportLimiter(clock, 3, Duration.ofSeconds(10));
    for (int i = 0; i < 3; i++) {
      assertThat(limiter.acquire("d")).isZero();
    }
    assertThat(limiter.acquire("d")).isEqualTo(10);
    assertThat(limiter.acquire("other")).as("per device").isZero();
    now += 4_000;
    assertThat(limiter.acquire("d")).isEqualTo(6);
    now += 6_000;
    assertThat(limiter.acquire("d")).isZero();
    assertThat(limiter.acquire("d")).isEqualTo(10);
  }

  @Test
  void aQuietDeviceGetsItsWholeBurstBackButNoMore() {
    ReportLimiter limiter = new ReportLimiter(clock, 2, Duration.ofSeconds(1));
    now += 3_600_000;
    assertThat(limiter.acquire("d")).isZero();
    assertThat(limiter.acquire("d")).isZero();
    assertThat(limiter.acquire("d")).isPositive();
  }
}
