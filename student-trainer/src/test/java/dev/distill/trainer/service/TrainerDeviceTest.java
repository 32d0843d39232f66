package dev.distill.trainer.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import dev.distill.platform.config.ConfigException;
import dev.distill.platform.config.ConfigReader;
import dev.distill.trainer.engine.TrainingDevice;
import dev.distill.trainer.engine.TrainingEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DISTILL_TRAINER_DEVICE: auto by default, cpu on the CPU, gpu or a start-up refusal in one message. */
class TrainerDeviceTest {
  @TempDir Path dir;

  private static TrainerSettings settings(Map<String, String> env) {
    return TrainerSettings.read(ConfigReader.from(env));
  }

  @Test
  void theDeviceIsAutoUnlessConfigured() {
    assertThat(settings(Map.of()).device()).isEqualTo(TrainingDevice.AUTO);
    assertThat(settings(Map.of(TrainerSettings.DEVICE, "cpu")).engine().device()).isEqualTo(TrainingDevice.CPU);
    assertThat(settings(Map.of(TrainerSettings.DEVICE, "cpu")).startEngine().device()).isEqualTo(Device.cpu());
    assertThatThrownBy(() -> settings(Map.of(TrainerSettings.DEVICE, "tpu")))
        .isInstanceOf(ConfigException.class).hasMessageContaining(TrainerSettings.DEVICE + "=tpu");
  }

  @Test
  void autoTrainsOnTheGpuWhenPyTorchSeesOne() {
    TrainingEngine engine = settings(Map.of()).startEngine();
    assertThat(engine.device()).isEqualTo(engine.gpuCount() > 0 ? Device.gpu() : Device.cpu());
  }

  @Test
  void gpuWithoutAGpuIsAConfigurationProblem() {
    assumeTrue(TrainingEngine.start().gpuCount() == 0, "this machine has a GPU");
    assertThatThrownBy(() -> settings(Map.of(TrainerSettings.DEVICE, "gpu")).startEngine())
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).problems()).singleElement().asString()
            .startsWith(TrainerSettings.DEVICE + "=gpu: expected a GPU, but PyTorch 2.5.1")
            .contains("sees no GPU").endsWith("set " + TrainerSettings.DEVICE + "=auto to train on the CPU when there is none"));
  }

  @Test
  void theServiceRefusesToStartOnAMissingGpuWithExitCode2AndOneMessageNoStackTrace() throws Exception {
    assumeTrue(TrainingEngine.start().gpuCount() == 0, "this machine has a GPU");
    Path log = dir.resolve("trainer.log");
    Process p = TrainerProcess.start(Map.of(TrainerSettings.DEVICE, "gpu"), List.of(), dir.resolve("tmp"), log);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the trainer exits").isTrue();

    String output = Files.readString(log);
    assertThat(p.exitValue()).as(output).isEqualTo(2);
    assertThat(output).contains("student-trainer: invalid configuration (1 problem):\n  - " + TrainerSettings.DEVICE
        + "=gpu: expected a GPU, but PyTorch 2.5.1").doesNotContain("Exception", "\tat ");
  }
}
