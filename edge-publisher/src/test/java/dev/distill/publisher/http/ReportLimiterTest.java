package dev.distill.publisher.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import dev.distill.publisher.TestClock;
import org.junit.jupiter.api.Test;

class ReportLimiterTest {
  final TestClock clock = TestClock.fixed(1_000_000);

  @Test
  void aBurstThenOneReportPerIntervalWithTheWaitInSeconds() {
    ReportLimiter limiter = new ReportLimiter(clock, 3, Duration.ofSeconds(10));
    for (int i = 0; i < 3; i++) {
      assertThat(limiter.acquire("d")).isZero();
    }
    assertThat(limiter.acquire("d")).isEqualTo(10);
    assertThat(limiter.acquire("other")).as("per device").isZero();
    clock.advance(Duration.ofSeconds(4));
    assertThat(limiter.acquire("d")).isEqualTo(6);
    clock.advance(Duration.ofSeconds(6));
    assertThat(limiter.acquire("d")).isZero();
    assertThat(limiter.acquire("d")).isEqualTo(10);
  }

  @Test
  void aQuietDeviceGetsItsWholeBurstBackButNoMore() {
    ReportLimiter limiter = new ReportLimiter(clock, 2, Duration.ofSeconds(1));
    clock.advance(Duration.ofHours(1));
    assertThat(limiter.acquire("d")).isZero();
    assertThat(limiter.acquire("d")).isZero();
    assertThat(limiter.acquire("d")).isPositive();
  }
}
