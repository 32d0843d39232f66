package dev.distill.trainer.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.util.Utils;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TrainingEngineTest {
  private final TrainingEngine engine = TrainingEngine.start();

  @Test
  void thereIsOneEngineAndStartingAgainKeepsItsSettings() {
    TrainingEngine again = TrainingEngine.start(new EngineSettings(Path.of("elsewhere"), 1, 1));
    assertThat(again).isSameAs(engine);
    assertThat(engine.engineName()).startsWith("PyTorch 2.5.1");
  }

  @Test
  void djlRunsOfflineWithItsNativesInTheConfiguredCache() {
    assertThat(Utils.isOfflineMode()).isTrue();
    Path cache = Path.of(System.getProperty(TrainingEngine.ENGINE_CACHE_DIR, System.getenv(TrainingEngine.ENGINE_CACHE_DIR)));
    assertThat(Utils.getEngineCacheDir()).isEqualTo(cache);
    assertThat(Files.isDirectory(cache.resolve("pytorch"))).as("libtorch extracted under " + cache).isTrue();
  }

  @Test
  void pytorchUsesTheThreadCapsItWasGiven() {
    assertThat(engine.intraOpThreads()).isEqualTo(Integer.getInteger(TrainingEngine.INTRA_OP_THREADS));
    assertThat(engine.interOpThreads()).isEqualTo(Integer.getInteger(TrainingEngine.INTER_OP_THREADS));
    assertThat(engine.intraOpThreads()).isBetween(1, Runtime.getRuntime().availableProcessors());
    assertThat(engine.description()).contains(engine.device().toString(),
        engine.intraOpThreads() + " intra-op / " + engine.interOpThreads() + " inter-op threads");
  }

  @Test
  void withoutAGpuModelsLiveOnTheCpu() {
    assumeTrue(engine.gpuCount() == 0, "this machine has a GPU");
    assertThat(engine.device()).isEqualTo(Device.cpu());
    assertThat(engine.onGpu()).isFalse();
  }

  @Test
  void aGpuIsUsedWhenThereIsOne() {
    assumeTrue(engine.gpuCount() > 0, "no GPU on this machine");
    assertThat(engine.device()).isEqualTo(Device.gpu());
    assertThat(engine.onGpu()).isTrue();
  }

  @Test
  void aGpuRequiredWhereThereIsNoneIsRefusedInOneSentenceThatSaysWhatToChange() {
    assumeTrue(engine.gpuCount() == 0, "this machine has a GPU");
    assertThatThrownBy(() -> TrainingEngine.start(new EngineSettings(Path.of("x"), 1, 1, TrainingDevice.GPU)))
        .isInstanceOf(NoGpuException.class)
        .hasMessageStartingWith(engine.engineName() + (TrainingEngine.nativeFlavor().equals("cpu")
            ? " sees no GPU: this build carries its CPU natives (the cuda build, mvn -Pcuda, carries the CUDA ones)"
            : " (" + TrainingEngine.nativeFlavor() + " natives) sees no GPU"))
        .message().doesNotContain("\n");
    assertThatThrownBy(() -> engine.on(Device.gpu())).isInstanceOf(NoGpuException.class);
  }

  @Test
  void cpuAsConfiguredTrainsOnTheCpuOnTheSameEngine() {
    TrainingEngine cpu = TrainingEngine.start(new EngineSettings(Path.of("x"), 1, 1, TrainingDevice.CPU));
    assertThat(cpu.device()).isEqualTo(Device.cpu());
    assertThat(cpu.onGpu()).isFalse();
    assertThat(cpu.intraOpThreads()).isEqualTo(engine.intraOpThreads());
    assertThat(engine.on(Device.cpu())).isSameAs(cpu);
  }

  @Test
  void aGpuRequiredWhereThereIsOneTrainsThere() {
    assumeTrue(engine.gpuCount() > 0, "no GPU on this machine");
    TrainingEngine gpu = TrainingEngine.start(new EngineSettings(Path.of("x"), 1, 1, TrainingDevice.GPU));
    assertThat(gpu.device()).isEqualTo(Device.gpu());
    assertThat(TrainingEngine.nativeFlavor()).startsWith("cu");
  }

  @Test
  void theNativesSayWhichBuildOfLibtorchTheyAre() {
    assertThat(TrainingEngine.nativeFlavor()).isIn("cpu", "cu124");
  }

  @Test
  void pytorchNeedsAThread() {
    assertThatThrownBy(() -> new EngineSettings(Path.of("x"), 0, 1))
        .hasMessage("PyTorch needs at least one thread, got intra-op 0 and inter-op 1");
  }
}
