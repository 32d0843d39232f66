package dev.distill.trainer.service;

import dev.distill.platform.http.Health;
import dev.distill.platform.http.OpsServer;
import dev.distill.trainer.engine.TrainingEngine;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The student trainer: consumes soft targets (read_committed), holds a validation slice of them
 * out, trains the student on the rest, and every N soft targets or S seconds judges a candidate on
 * the slice and commits it ({@link TrainingLoop}). This class is the wiring and the lifecycle:
 * {@link #start} runs the loop on its own thread with the ops port; {@link #progress} observes it;
 * {@link #close} stops it without committing (work since the last commit is redone by the next run).
 */
public final class TrainerService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TrainerService.class);

  private final TrainerSettings settings;
  private final Clock clock;
  private final TrainerMetrics metrics;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicReference<String> failure = new AtomicReference<>();
  private TrainingObserver observer = TrainingObserver.NONE;
  private volatile boolean running;
  private volatile Progress progress = Progress.START;
  private TrainingLoop loop;
  private Thread thread;
  private OpsServer ops;

  public TrainerService(TrainerSettings settings) {
    this(settings, Clock.systemUTC());
  }

  public TrainerService(TrainerSettings settings, Clock clock) {
    this.settings = settings;
    this.clock = clock;
    this.metrics = new TrainerMetrics(settings.modelName(), () -> progress.publishedVersion());
  }

  // VisibleForTesting: sees every example trained on or held out; set before start
  TrainerService observe(TrainingObserver o) {
    this.observer = o;
    return this;
  }

  /**
   * Starts the engine on the configured device, the ops port and the training loop on its own
   * thread; returns once all three are running.
   *
   * @throws dev.distill.platform.config.ConfigException when a GPU is required and there is none
   */
  public TrainerService start() throws IOException {
    TrainingEngine engine = settings.startEngine();
    ops = OpsServer.start(settings.service().httpPort(), metrics.registry)
        .readiness("trainer", () -> failure.get() == null && running ? Health.up(settings.modelName())
            : Health.down(failure.get() == null ? "not running" : failure.get()))
        .liveness("trainer", this::liveness);
    metrics.loopNanos = System.nanoTime();
    running = true;
    loop = new TrainingLoop(settings, clock, metrics, observer, () -> running, p -> progress = p);
    thread = new Thread(() -> runLoop(engine), "trainer-" + settings.modelName());
    thread.start();
    return this;
  }

  /**
   * Down once the loop has failed (the process then exits, {@link TrainerMain}) or while it has
   * not come round for the stall timeout: stuck in a call that does not return.
   */
  private Health liveness() {
    if (failure.get() != null) {
      return Health.down("training stopped: " + failure.get());
    }
    Duration since = Duration.ofNanos(System.nanoTime() - metrics.loopNanos);
    if (running && since.compareTo(settings.stallTimeout()) > 0) {
      return Health.down("the training loop has not come round for " + since.toSeconds() + " s (stall timeout "
          + settings.stallTimeout() + ")");
    }
    return Health.up("loop came round " + since.toMillis() + " ms ago");
  }

  /** Why the loop stopped on its own (not by {@link #close}), if it did. */
  public java.util.Optional<String> failure() {
    return java.util.Optional.ofNullable(failure.get());
  }

  public Progress progress() {
    return progress;
  }

  public PrometheusMeterRegistry registry() {
    return metrics.registry;
  }

  public int httpPort() {
    return ops.port();
  }

  public TrainerSettings settings() {
    return settings;
  }

  /** Waits for the loop to end (after {@link #close} or a failure). */
  public boolean awaitStop(Duration timeout) throws InterruptedException {
    return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Stops the loop without committing: work since the last commit is redone by the next run. */
  @Override
  public void close() {
    running = false;
    if (loop != null) {
      loop.wakeup();
    }
    try {
      if (thread != null && !stopped.await(settings.service().shutdownTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("trainer {} did not stop within {}", settings.modelName(), settings.service().shutdownTimeout());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (ops != null) {
      ops.close();
    }
  }

  private void runLoop(TrainingEngine engine) {
    try {
      loop.run(engine);
    } catch (WakeupException e) {
      if (running) {
        fail(e);
      }
    } catch (Throwable e) {
      fail(e);
    } finally {
      running = false;
      stopped.countDown();
    }
  }

  private void fail(Throwable e) {
    LOG.error("trainer {} stopped: {}", settings.modelName(), e.toString(), e);
    failure.set(e.toString());
    progress = progress.failed(e.toString());
  }
}
