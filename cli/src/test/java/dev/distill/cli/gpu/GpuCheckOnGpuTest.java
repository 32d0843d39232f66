package dev.distill.cli.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.scorer.onnx.ExecutionProvider;
import dev.distill.scorer.onnx.OnnxTeacherLoader;
import dev.distill.trainer.engine.TrainingEngine;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs only on a GPU host with the cuda build (PyTorch sees a GPU and ONNX Runtime runs on CUDA);
 * skipped elsewhere. A short check passes there and the GPU side trains on gpu(0).
 */
@EnabledIf("gpuHere")
class GpuCheckOnGpuTest {
  @TempDir Path work;

  static boolean gpuHere() {
    return TrainingEngine.start().gpuCount() > 0
        && new OnnxTeacherLoader(1, ExecutionProvider.AUTO).active() == ExecutionProvider.CUDA;
  }

  @Test
  void onAGpuHostTheCheckPassesWithTheStudentOnGpu0AndTheTeacherOnCuda() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    GpuCheck.Result r = new GpuCheck(new GpuCheck.Options(20, 2, 128, 256, Runtime.getRuntime().availableProcessors()),
        new PrintStream(buf, true, StandardCharsets.UTF_8)).run(work);

    assertThat(buf.toString(StandardCharsets.UTF_8))
        .contains("parameters and gradients on gpu(0)", "every node on CUDA device 0 (CPU fallback disabled)")
        .endsWith("gpu-check: OK\n");
    assertThat(r.trainGpu().median()).isPositive();
    assertThat(r.scoreGpu().median()).isPositive();
  }
}
