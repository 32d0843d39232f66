package dev.distill.trainer.service;

import dev.distill.platform.config.ConfigReader;
import dev.distill.platform.lifecycle.GracefulShutdown;

/** {@code java ... TrainerMain}: reads {@code DISTILL_*} settings and runs the trainer until SIGTERM. */
public final class TrainerMain {
  private TrainerMain() {}

  public static void main(String[] args) throws Exception {
    TrainerSettings settings = TrainerSettings.read(ConfigReader.fromEnvironment());
    try (GracefulShutdown shutdown = GracefulShutdown.onSignal(TrainerSettings.SERVICE_NAME,
        settings.service().shutdownTimeout())) {
      shutdown.register("trainer", new TrainerService(settings).start());
      shutdown.await();
    }
  }
}
