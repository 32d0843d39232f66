package dev.distill.cli;

import dev.distill.platform.config.ConfigReader;
import dev.distill.platform.lifecycle.GracefulShutdown;
import dev.distill.trainer.service.TrainerService;
import dev.distill.trainer.service.TrainerSettings;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code distill trainer}: the student trainer service, configured by {@code DISTILL_*} variables, until Ctrl-C. */
@Command(name = "trainer", mixinStandardHelpOptions = true,
    description = "Run the student trainer on the soft-target stream (settings: DISTILL_TRAINER_* variables) until Ctrl-C.")
final class TrainerCommand implements Callable<Integer> {
  // the demo starts a trainer as a child process: it must not outlive the demo, even a killed one
  @Option(names = "--exit-with-parent", hidden = true)
  boolean exitWithParent;

  @Override
  public Integer call() throws Exception {
    TrainerSettings settings = TrainerSettings.read(ConfigReader.fromEnvironment());
    try (GracefulShutdown shutdown = GracefulShutdown.onSignal(TrainerSettings.SERVICE_NAME,
        settings.service().shutdownTimeout())) {
      if (exitWithParent) {
        ProcessHandle.current().parent().ifPresent(p -> p.onExit().thenRun(shutdown::shutdown));
      }
      shutdown.register("trainer", new TrainerService(settings).start());
      shutdown.await();
    }
    return 0;
  }
}
