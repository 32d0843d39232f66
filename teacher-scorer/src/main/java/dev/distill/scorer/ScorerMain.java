package dev.distill.scorer;

import dev.distill.contract.data.DataHome;
import dev.distill.platform.config.ConfigException;
import dev.distill.platform.lifecycle.GracefulShutdown;
import dev.distill.scorer.teacher.TeacherUnavailableException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** The scorer as a process: configuration from the environment, then run until SIGTERM. */
public final class ScorerMain {
  private ScorerMain() {}

  public static void main(String[] args) throws InterruptedException {
    useProjectTempDir();
    try {
      System.exit(run(ScorerSettings.fromEnvironment()));
    } catch (ConfigException | TeacherUnavailableException e) {
      System.err.println("scorer: " + e.getMessage());
      System.exit(2);
    }
  }

  /**
   * Runs the scorer until SIGTERM or SIGINT (graceful, within the shutdown budget) or until Kafka
   * Streams fails for good.
   *
   * @return the exit code: 0 after a requested stop, 1 after a failure
   */
  public static int run(ScorerSettings settings) throws InterruptedException {
    GracefulShutdown shutdown = GracefulShutdown.onSignal("scorer", settings.service().shutdownTimeout());
    ScorerService service;
    try {
      service = ScorerService.start(settings);
    } catch (RuntimeException e) {
      shutdown.close();
      throw e;
    }
    shutdown.register("scorer", service);
    // not on the failing stream thread: closing Streams from one of its own threads would wait for itself
    service.failure().thenRun(() -> new Thread(shutdown::shutdown, "scorer-failed").start());
    shutdown.await();
    return service.failure().isDone() ? 1 : 0;
  }

  /**
   * ONNX Runtime unpacks its native libraries into {@code java.io.tmpdir}; unless the command line
   * chose a folder, use the project's own ({@code $DISTILL_HOME/tmp}), before anything reads it.
   */
  private static void useProjectTempDir() {
    boolean chosen = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .anyMatch(a -> a.startsWith("-Djava.io.tmpdir="));
    if (chosen) {
      return;
    }
    Path tmp = DataHome.resolve().root().resolve("tmp");
    try {
      Files.createDirectories(tmp);
      System.setProperty("java.io.tmpdir", tmp.toString());
    } catch (IOException e) {
      System.err.println("scorer: cannot create " + tmp + " (" + e.getMessage() + "); using " + System.getProperty("java.io.tmpdir"));
    }
  }
}
