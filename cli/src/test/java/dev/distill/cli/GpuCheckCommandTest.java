package dev.distill.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.distill.scorer.onnx.ExecutionProvider;
import dev.distill.scorer.onnx.OnnxTeacherLoader;
import dev.distill.trainer.engine.TrainingEngine;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code distill gpu-check} on a machine without a usable GPU, run as a user runs it (its own JVM,
 * the CLI's main): it fails at once with one line that says why for PyTorch and for ONNX Runtime,
 * and no stack trace.
 */
class GpuCheckCommandTest {
  @TempDir Path home;

  @Test
  void withoutAGpuTheCheckExitsOneWithOneLineSayingWhyAndNoStackTrace() throws Exception {
    assumeTrue(TrainingEngine.start().gpuCount() == 0
        || new OnnxTeacherLoader(1, ExecutionProvider.AUTO).active() != ExecutionProvider.CUDA, "a usable GPU is here");
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Djava.io.tmpdir=" + home.resolve("tmp")));
    // the same offline DJL set-up as this JVM: libtorch from the shared cache, nothing downloaded
    for (String property : List.of("ai.djl.offline", "DJL_CACHE_DIR", "ENGINE_CACHE_DIR")) {
      if (System.getProperty(property) != null) {
        command.add("-D" + property + "=" + System.getProperty(property));
      }
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Distill.class.getName(), "gpu-check"));
    java.nio.file.Files.createDirectories(home.resolve("tmp"));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("DISTILL_HOME", home.toString());
    pb.environment().remove("DISTILL_LOG_FORMAT");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();

    assertThat(p.exitValue()).as("stdout:%n%s%nstderr:%n%s", out, err).isEqualTo(1);
    assertThat(out).isEmpty();
    assertThat(err).hasLineCount(1).startsWith("distill: gpu-check failed: no usable GPU: ")
        .doesNotContain("Exception", "\tat ");
    if (TrainingEngine.start().gpuCount() == 0) {
      assertThat(err).contains("PyTorch 2.5.1 " + (TrainingEngine.nativeFlavor().equals("cpu") ? "sees no GPU: this build "
          + "carries its CPU natives (the cuda build, mvn -Pcuda, carries the CUDA ones)" : "(" + TrainingEngine.nativeFlavor()
          + " natives) sees no GPU"));
    }
    if (new OnnxTeacherLoader(1, ExecutionProvider.AUTO).active() != ExecutionProvider.CUDA) {
      assertThat(err).contains("; ONNX Runtime: ");
    }
  }
}
