package dev.distill.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import dev.distill.contract.data.Dataset;
import dev.distill.contract.model.Variant;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FleetsTest {
  @Test
  void twentyDevicesOverFourVariantsAreFiveEach() {
    assertThat(Fleets.split(20, List.of(Variant.values())))
        .containsExactly(entry(Variant.FP32, 5), entry(Variant.FP16, 5),
            entry(Variant.INT8, 5), entry(Variant.QDELTA, 5));
  }

  @Test
  void theRemainderGoesToTheVariantsListedFirst() {
    assertThat(Fleets.split(6, List.of(Variant.INT8, Variant.FP32, Variant.QDELTA, Variant.FP16)))
        .containsExactly(entry(Variant.INT8, 2), entry(Variant.FP32, 2),
            entry(Variant.QDELTA, 1), entry(Variant.FP16, 1));
  }

  @Test
  void fp32AloneIsTheWholeFleet() {
    assertThat(Fleets.split(20, List.of(Variant.FP32))).containsExactly(entry(Variant.FP32, 20));
  }

  @Test
  void settingsRefuseAVariantNoDeviceWouldRun() {
    assertThatThrownBy(() -> settings(3, List.of(Variant.values())))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 devices cannot run 4 variants");
    assertThatThrownBy(() -> settings(3, List.of())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void settingsKeepEachVariantOnceInTheOrderGiven() {
    assertThat(settings(4, List.of(Variant.INT8, Variant.FP32, Variant.INT8)).variants())
        .containsExactly(Variant.INT8, Variant.FP32);
  }

  @Test
  void theTrainerPublishesTheDevicesVariantsAndFp32OrEveryVariantWhenAsked() {
    Pipeline.Settings int8Only = settings(2, List.of(Variant.INT8));
    assertThat(int8Only.published()).containsExactly(Variant.INT8, Variant.FP32);
    assertThat(int8Only.publishingAll().published()).containsExactly(Variant.values());
    assertThat(int8Only.publishingAll().variants()).as("the devices' variants are kept").containsExactly(Variant.INT8);
    assertThatThrownBy(() -> new Pipeline.Settings(Dataset.MNIST, 2, "mlp:784-128-10", 500, Duration.ofSeconds(30),
        Duration.ofSeconds(1), Path.of("work"), Path.of("teachers"), "mnist", Optional.empty(), List.of(Variant.INT8),
        List.of(Variant.FP32))).hasMessageContaining("every variant the devices run");
  }

  private static Pipeline.Settings settings(int devices, List<Variant> variants) {
    return new Pipeline.Settings(Dataset.MNIST, devices, "mlp:784-128-10", 500, Duration.ofSeconds(30),
        Duration.ofSeconds(1), Path.of("work"), Path.of("teachers"), "mnist", Optional.empty(), variants);
  }
}
