package dev.distill.trainer.service;

import dev.distill.platform.config.ConfigException;
import dev.distill.platform.config.ConfigReader;
import dev.distill.platform.lifecycle.GracefulShutdown;
import java.time.Duration;

/** {@code java ... TrainerMain}: reads {@code DISTILL_*} settings and runs the trainer until SIGTERM. */
public final class TrainerMain {
  private TrainerMain() {}

  public static void main(String[] args) throws Exception {
    TrainerSettings settings;
    try {
      settings = TrainerSettings.read(ConfigReader.fromEnvironment());
      // DISTILL_TRAINER_DEVICE=gpu without a GPU is a setting to change, said like the others
      settings.startEngine();
    } catch (ConfigException e) {
      // every problem in one message, as the other services say it; exit 2 like them
      System.err.println(TrainerSettings.SERVICE_NAME + ": " + e.getMessage());
      System.exit(2);
      return;
    }
    String failure = null;
    try (GracefulShutdown shutdown = GracefulShutdown.onSignal(TrainerSettings.SERVICE_NAME,
        settings.service().shutdownTimeout())) {
      TrainerService trainer = shutdown.register("trainer", new TrainerService(settings).start());
      // the loop ends on SIGTERM (the hook closes it) or on a fatal error: fencing by another
      // incarnation, a broker gone for longer than the producer's timeouts, out of memory
      while (!trainer.awaitStop(Duration.ofSeconds(1))) {
        // waiting
      }
      failure = trainer.failure().orElse(null);
      if (failure == null) {
        shutdown.await(); // SIGTERM: let the hook finish closing
      }
    }
    if (failure != null) {
      // a process that no longer trains must not look alive: exit, and Kubernetes restarts it
      // (a new incarnation fences the old transaction and resumes from the last commit)
      System.err.println(TrainerSettings.SERVICE_NAME + ": training stopped: " + failure);
      System.exit(1);
    }
  }
}
