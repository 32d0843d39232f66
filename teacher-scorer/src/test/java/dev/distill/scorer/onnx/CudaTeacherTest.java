package dev.distill.scorer.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.distill.contract.model.TeacherStore;
import dev.distill.scorer.teacher.Teacher;
import dev.distill.scorer.teacher.TeacherBatch;
import dev.distill.scorer.testing.TestModels;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs only where ONNX Runtime can run on a GPU (the cuda build, mvn -Pcuda, on a machine with CUDA
 * 12.x, cuDNN 9 and a device); skipped elsewhere. A teacher loaded with every node on CUDA computes
 * what the CPU computes.
 */
@EnabledIf("cudaRuns")
class CudaTeacherTest {
  @TempDir Path dir;

  static boolean cudaRuns() {
    return new OnnxTeacherLoader(1, ExecutionProvider.AUTO).active() == ExecutionProvider.CUDA;
  }

  @Test
  void onCudaEveryNodeRunsOnTheGpuAndTheLogitsAreTheCpusWithinTf32Precision() throws Exception {
    var version = TestModels.publish(new TeacherStore(dir), "mnist", TestModels.mlp(1, 784, 256, 10));
    OnnxTeacherLoader gpu = OnnxTeacherLoader.cudaOnly(1);
    assertThat(gpu.active()).isEqualTo(ExecutionProvider.CUDA);
    assertThat(gpu.activeDevice()).isEqualTo("CUDA device 0");
    float[] pixels = new float[64 * 784];
    Random rnd = new Random(5);
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = rnd.nextInt(256);
    }
    TeacherBatch batch = new TeacherBatch(64, List.of(new TeacherBatch.Input("pixels", new long[] {64, 784}, pixels, null)));

    try (Teacher onGpu = gpu.load(version); Teacher onCpu = new OnnxTeacherLoader(1, ExecutionProvider.CPU).load(version)) {
      float[] g = onGpu.logits(batch)[0];
      float[] c = onCpu.logits(batch)[0];
      for (int i = 0; i < c.length; i++) {
        // CUDA's Gemm may use TF32 (10-bit mantissa): agreement to about 1e-3 of the logits' size
        assertThat(g[i]).as("logit %d", i).isCloseTo(c[i], within(0.02f * Math.max(1f, Math.abs(c[i]))));
      }
    }
  }
}
