package dev.distill.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.cli.demo.DemoResults;
import dev.distill.contract.model.Variant;
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

  @Test
  void variantsAreReadAsIdsInAnyCaseEachOnce() {
    assertThat(DemoCommand.variants(List.of("INT8", " fp32", "int8"), 2)).containsExactly(Variant.INT8, Variant.FP32);
  }

  @Test
  void anUnknownVariantIsTheUsersErrorNamingTheVariantsThereAre() {
    assertThatThrownBy(() -> DemoCommand.variants(List.of("fp32", "int4"), 20))
        .isInstanceOf(UserError.class)
        .hasMessage("--variants: no variant 'int4': fp32, fp16, int8 or qdelta");
  }

  @Test
  void fewerDevicesThanVariantsIsTheUsersError() {
    assertThatThrownBy(() -> DemoCommand.variants(List.of("fp32", "fp16", "int8"), 2))
        .isInstanceOf(UserError.class).hasMessageContaining("--devices 2 cannot run 3 variants");
  }

  @Test
  void theDemoRunsEveryVariantByDefault() {
    DemoCommand demo = new DemoCommand();
    new picocli.CommandLine(demo).parseArgs();
    assertThat(DemoCommand.variants(demo.variants, demo.devices)).containsExactly(Variant.values());
  }
}
