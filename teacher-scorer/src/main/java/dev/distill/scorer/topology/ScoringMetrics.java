package dev.distill.scorer.topology;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The scorer's own meters, under {@code distill.scorer.}, in base units, with bounded tags (the
 * dead-letter reason code only). Shared by every task of every stream thread.
 */
public final class ScoringMetrics {
  public static final String RECORDS_IN = "distill.scorer.records.in";
  public static final String SOFT_TARGETS = "distill.scorer.soft.targets";
  public static final String DEAD_LETTERS = "distill.scorer.dead.letters";
  public static final String BATCH_SIZE = "distill.scorer.batch.size";
  public static final String INFERENCE = "distill.scorer.inference";
  public static final String LAG = "distill.scorer.lag";
  public static final String BUFFERED = "distill.scorer.buffered";
  /** 1 for the execution provider the teacher runs on ({@code provider} cpu or cuda), 0 for the other. */
  public static final String EXECUTION_PROVIDER = "distill.scorer.execution.provider";

  private final Counter recordsIn;
  private final Counter softTargets;
  private final Map<DlqReason, Counter> deadLetters = new EnumMap<>(DlqReason.class);
  private final DistributionSummary batchSize;
  private final Timer inference;
  private final Timer lag;
  private final AtomicLong buffered = new AtomicLong();

  public ScoringMetrics(MeterRegistry registry) {
    recordsIn = Counter.builder(RECORDS_IN).description("sample records consumed").baseUnit("records").register(registry);
    softTargets = Counter.builder(SOFT_TARGETS).description("soft targets produced").baseUnit("records").register(registry);
    for (DlqReason r : DlqReason.values()) {
      deadLetters.put(r, Counter.builder(DEAD_LETTERS).description("records sent to the dead-letter topic")
          .baseUnit("records").tag("reason", r.code()).register(registry));
    }
    batchSize = DistributionSummary.builder(BATCH_SIZE).description("samples per inference call")
        .baseUnit("records").publishPercentileHistogram().minimumExpectedValue(1.0).maximumExpectedValue(4096.0)
        .register(registry);
    inference = Timer.builder(INFERENCE).description("teacher inference per batch (all members)")
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(100_000)).maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry);
    lag = Timer.builder(LAG).description("from a sample's event time to its soft target")
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofHours(1))
        .register(registry);
    Gauge.builder(BUFFERED, buffered, AtomicLong::get).description("samples waiting for their batch")
        .baseUnit("records").register(registry);
  }

  void received() {
    recordsIn.increment();
  }

  void scored(long eventTimeMs, long nowMs) {
    softTargets.increment();
    if (eventTimeMs > 0 && nowMs >= eventTimeMs) {
      lag.record(nowMs - eventTimeMs, TimeUnit.MILLISECONDS);
    }
  }

  void deadLettered(DlqReason reason) {
    deadLetters.get(reason).increment();
  }

  void batch(int rows, long inferenceNanos) {
    batchSize.record(rows);
    inference.record(inferenceNanos, TimeUnit.NANOSECONDS);
  }

  void buffered(long delta) {
    buffered.addAndGet(delta);
  }

  /** Soft targets produced so far (for progress reports and benchmarks). */
  public double softTargetsCount() {
    return softTargets.count();
  }

  /** Dead letters produced so far, all reasons. */
  public double deadLettersCount() {
    return deadLetters.values().stream().mapToDouble(Counter::count).sum();
  }

  /** Total time spent in teacher inference so far. */
  public Duration inferenceTime() {
    return Duration.ofNanos((long) inference.totalTime(TimeUnit.NANOSECONDS));
  }
}
