package dev.distill.bench.trainer;

import dev.distill.platform.config.ConfigReader;
import dev.distill.trainer.service.TrainerService;
import dev.distill.trainer.service.TrainerSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The trainer service as deployed (its defaults but the model and threads), in this JVM on the
 * engine the raw loop uses, reading the soft-targets topic from the start under a model name of
 * its own: a fresh consumer group, transactional id and checkpoint per trial. Its rate is fresh
 * samples trained per second, from its own count, between a warm-up and the end of the trial: the
 * window holds everything the service does besides the step (polling, decoding, holding out the
 * validation slice, batching, candidates judged, checkpointed, published and committed).
 */
final class ServiceTrial {
  private static final Duration TIMEOUT = Duration.ofMinutes(5);

  private final Map<String, String> env;
  private int trials;

  ServiceTrial(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  /** The settings every trial runs with, under the given model name. */
  static TrainerSettings settings(Map<String, String> env, String modelName) {
    Map<String, String> e = new HashMap<>(env);
    e.put("DISTILL_TRAINER_MODEL_NAME", modelName);
    // the ops port is the service's own; any free one will do
    e.put("DISTILL_HTTP_PORT", "0");
    return TrainerSettings.read(ConfigReader.from(e));
  }

  /**
   * Fresh samples per second between {@code warmUp} and {@code warmUp + samples} samples trained.
   *
   * @throws IllegalStateException when the service stops or does not get there in time
   */
  double samplesPerSecond(String student, long warmUp, long samples) throws Exception {
    TrainerSettings s = settings(env, "bench-" + student + "-" + (++trials));
    try (TrainerService service = new TrainerService(s).start()) {
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      long[] from = await(service, warmUp, deadline);
      long[] to = await(service, warmUp + samples, deadline);
      return (to[0] - from[0]) / ((to[1] - from[1]) / 1e9);
    }
  }

  /** The first (samples, nanos) reading at or past {@code target}. */
  private static long[] await(TrainerService service, long target, long deadline) throws InterruptedException {
    while (true) {
      long n = service.progress().samplesTrained();
      long now = System.nanoTime();
      if (n >= target) {
        return new long[] {n, now};
      }
      if (service.failure().isPresent() || now > deadline) {
        throw new IllegalStateException("the trainer stopped at " + n + " of " + target + " samples: "
            + service.failure().orElse("timed out after " + TIMEOUT));
      }
      // short against a step (a few ms): the reading lags the count by at most this
      Thread.sleep(2);
    }
  }
}
