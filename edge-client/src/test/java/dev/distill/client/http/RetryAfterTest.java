package dev.distill.client.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A publisher's Retry-After is advice: whatever it says, the device gets a wait it can sleep. */
class RetryAfterTest {
  @Test
  void secondsAreTakenAsTheyAreWithinAnHour() {
    assertThat(PublisherClient.seconds("5")).isEqualTo(5);
    assertThat(PublisherClient.seconds(" 0 ")).isZero();
    assertThat(PublisherClient.seconds("-3")).as("no negative wait").isZero();
  }

  @Test
  void aHugeFigureIsCappedSoThatItsDurationStillConvertsToMilliseconds() {
    long s = PublisherClient.seconds(Long.toString(Long.MAX_VALUE));
    assertThat(s).isEqualTo(PublisherClient.MAX_RETRY_AFTER_SECONDS);
    assertThat(Duration.ofSeconds(s).toMillis()).isEqualTo(3_600_000);
  }

  @Test
  void aDateOrGarbageCountsAsFiveSeconds() {
    assertThat(PublisherClient.seconds("Wed, 21 Oct 2026 07:28:00 GMT")).isEqualTo(5);
    assertThat(PublisherClient.seconds("99999999999999999999999")).as("beyond a long").isEqualTo(5);
  }
}
