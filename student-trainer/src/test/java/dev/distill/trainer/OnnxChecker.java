package dev.distill.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The ONNX project's own checker ({@code full_check}), run where python3-onnx is installed; skipped elsewhere. */
public final class OnnxChecker {
  private OnnxChecker() {}

  public static void assertAccepted(byte[] model) throws Exception {
    // Debian's python3-onnx lives with the system python, which may not be first on PATH
    String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    Process probe = new ProcessBuilder(python, "-c", "import onnx").redirectErrorStream(true).start();
    assumeTrue(probe.waitFor(60, TimeUnit.SECONDS) && probe.exitValue() == 0, "python3-onnx is not installed");
    Path file = Files.createTempFile("student", ".onnx");
    try {
      Files.write(file, model);
      Process p = new ProcessBuilder(python, "-c", "import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]),"
          + " full_check=True); print('ok')", file.toString()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(out.trim()).as(out).isEqualTo("ok");
    } finally {
      Files.deleteIfExists(file);
    }
  }
}
