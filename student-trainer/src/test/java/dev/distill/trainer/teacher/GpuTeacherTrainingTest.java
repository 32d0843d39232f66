package dev.distill.trainer.teacher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.distill.contract.data.Dataset;
import dev.distill.contract.model.Architecture;
import dev.distill.contract.model.TeacherStore;
import dev.distill.trainer.Mnist;
import dev.distill.trainer.engine.TrainingEngine;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs only where PyTorch sees a GPU (a build with {@code -Pcuda} on a CUDA machine); skipped elsewhere. */
class GpuTeacherTrainingTest {
  @TempDir Path root;

  @Test
  void onAGpuTheSmallCnnTrainsThereAndSaysSo() throws Exception {
    TrainingEngine engine = TrainingEngine.start();
    assumeTrue(engine.gpuCount() > 0, "no GPU on this machine");
    TeacherOptions options = TeacherOptions.builder(Dataset.MNIST)
        .optArchitecture(Architecture.parse("cnn:28x28-c32-c64-f256-10")).optEpochs(1).optTrainLimit(10_000).build();

    TeacherResult result = new TeacherTrainer(engine, new TeacherStore(root), Clock.systemUTC())
        .train(options, Mnist.train(), Mnist.test(), TrainingProgress.Listener.NONE);

    assertThat(result.engine()).contains("gpu(0)");
    assertThat(result.published().info()).containsEntry("device", "gpu(0)");
    assertThat(result.testErrors()).isLessThanOrEqualTo(500);
  }
}
