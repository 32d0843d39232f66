package dev.distill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.cli.demo.DemoResults;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DemoCommandTest {
  @Test
  void aRunPublishesAboutSixVersionsAtRoundSampleCounts() {
    assertThat(DemoCommand.versionEvery(60_000)).isEqualTo(10_000);
    assertThat(DemoCommand.versionEvery(20_000)).isEqualTo(2_500);
    assertThat(DemoCommand.versionEvery(3_000)).isEqualTo(500);
    assertThat(DemoCommand.versionEvery(100)).isEqualTo(500);
  }

  @Test
  void aLongRunsTableShowsEightVersionsSpreadOutWithTheFirstAndTheNewest() {
    List<Integer> versions = IntStream.rangeClosed(1, 22).boxed().toList();
    assertThat(DemoResults.shown(versions, 8)).containsExactly(1, 4, 7, 10, 13, 16, 19, 22);
    assertThat(DemoResults.shown(List.of(1, 2, 3), 8)).containsExactly(1, 2, 3);
  }
}
