package dev.distill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DemoCommandTest {
  @Test
  void aRunPublishesAboutSixVersionsAtRoundSampleCounts() {
    assertThat(DemoCommand.versionEvery(60_000)).isEqualTo(10_000);
    assertThat(DemoCommand.versionEvery(20_000)).isEqualTo(2_500);
    assertThat(DemoCommand.versionEvery(3_000)).isEqualTo(500);
    assertThat(DemoCommand.versionEvery(100)).isEqualTo(500);
  }
}
