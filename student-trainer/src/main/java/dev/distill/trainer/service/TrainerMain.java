package dev.distill.trainer.service;

import dev.distill.platform.config.ConfigException;
import dev.distill.platform.config.ConfigReader;
import dev.distill.platform.lifecycle.GracefulShutdown;

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
    try (GracefulShutdown shutdown = GracefulShutdown.onSignal(TrainerSettings.SERVICE_NAME,
        settings.service().shutdownTimeout())) {
      shutdown.register("trainer", new TrainerService(settings).start());
      shutdown.await();
    }
  }
}
