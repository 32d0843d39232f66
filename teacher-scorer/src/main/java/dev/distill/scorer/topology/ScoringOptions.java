package dev.distill.scorer.topology;

import java.time.Duration;

/**
 * How the topology scores.
 *
 * @param temperature T of softmax(z/T)
 * @param topK 0 for dense soft targets; k for the k largest probabilities plus the residual mass
 *     (dense again when k is at least the number of classes)
 * @param maxBatch samples per inference call, at most
 * @param maxWait how long a sample may wait for its batch to fill
 * @param maxSampleBytes larger record values go to the dead-letter topic unread
 */
public record ScoringOptions(double temperature, int topK, int maxBatch, Duration maxWait, int maxSampleBytes) {
  public ScoringOptions {
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException("temperature must be a positive number, got " + temperature);
    }
    if (topK < 0) {
      throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
    }
    if (maxBatch < 1) {
      throw new IllegalArgumentException("max batch must be >= 1, got " + maxBatch);
    }
    if (maxWait.toMillis() < 1) {
      throw new IllegalArgumentException("max wait must be at least 1 ms, got " + maxWait);
    }
    if (maxSampleBytes < 1) {
      throw new IllegalArgumentException("max sample bytes must be >= 1, got " + maxSampleBytes);
    }
  }

  /** The service defaults: T = 20 (the paper's MNIST setting), dense, batches of 256 within 20 ms, 1 MiB. */
  public static ScoringOptions defaults() {
    return new ScoringOptions(20, 0, 256, Duration.ofMillis(20), 1 << 20);
  }
}
