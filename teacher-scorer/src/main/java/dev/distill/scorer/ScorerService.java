package dev.distill.scorer;

import dev.distill.contract.model.TeacherStore;
import dev.distill.platform.http.Health;
import dev.distill.platform.http.Metrics;
import dev.distill.platform.http.OpsServer;
import dev.distill.platform.topics.TopicAdmin;
import dev.distill.platform.topics.Topics;
import dev.distill.scorer.onnx.ExecutionProvider;
import dev.distill.scorer.onnx.OnnxTeacherLoader;
import dev.distill.scorer.teacher.LiveTeacher;
import dev.distill.scorer.teacher.Teacher;
import dev.distill.scorer.teacher.TeacherPoller;
import dev.distill.scorer.topology.ScorerTopology;
import dev.distill.scorer.topology.ScoringMetrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The teacher-scorer: loads the newest teacher version, ensures the topics, runs the scoring
 * topology on Kafka Streams (exactly-once) and the ops side port, and swaps in new teacher
 * versions as they appear. {@link #start} returns once everything is started (Streams then joins
 * its group in the background: see {@link #state()}); {@link #close()} stops it gracefully.
 */
public final class ScorerService implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ScorerService.class);

  private final ScorerSettings settings;
  private final LiveTeacher teacher;
  private final ScoringMetrics metrics;
  private final KafkaStreams streams;
  private final OpsServer ops;
  private final CompletableFuture<Throwable> failure;
  /** What to close, last started first. */
  private final Deque<AutoCloseable> parts;

  private ScorerService(ScorerSettings settings, LiveTeacher teacher, ScoringMetrics metrics, KafkaStreams streams,
      OpsServer ops, CompletableFuture<Throwable> failure, Deque<AutoCloseable> parts) {
    this.settings = settings;
    this.teacher = teacher;
    this.metrics = metrics;
    this.streams = streams;
    this.ops = ops;
    this.failure = failure;
    this.parts = parts;
  }

  public static ScorerService start(ScorerSettings settings) {
    return start(settings, Clock.systemUTC(), Metrics.newRegistry(ScorerSettings.SERVICE_NAME));
  }

  /**
   * Starts the scorer.
   *
   * @throws dev.distill.scorer.teacher.TeacherUnavailableException when there is no usable teacher
   *     (checked first, before anything connects to Kafka)
   */
  public static ScorerService start(ScorerSettings s, Clock clock, PrometheusMeterRegistry registry) {
    log.info("starting the scorer: {}", s);
    TeacherStore store = new TeacherStore(s.teacherStore());
    OnnxTeacherLoader loader = new OnnxTeacherLoader(s.ortThreads(), s.ortSpinning(), s.executionProvider());
    LiveTeacher live = new LiveTeacher(TeacherPoller.loadLatest(store, s.teacherId(), loader));
    Deque<AutoCloseable> parts = new ArrayDeque<>();
    parts.push(live);
    try {
      Topics topics = s.kafka().topics();
      ensureTopics(s, topics);

      ScoringMetrics metrics = new ScoringMetrics(registry);
      Gauge.builder("distill.scorer.teacher.version", live, l -> l.current().version())
          .description("version of the teacher scoring new batches").tag("teacher", s.teacherId()).register(registry);
      for (ExecutionProvider p : List.of(ExecutionProvider.CPU, ExecutionProvider.CUDA)) {
        Gauge.builder(ScoringMetrics.EXECUTION_PROVIDER, () -> loader.active() == p ? 1 : 0)
            .description("1 for the ONNX Runtime execution provider the teacher runs on, 0 for the other")
            .tag("provider", p.name().toLowerCase(Locale.ROOT)).register(registry);
      }

      KafkaStreams streams = new KafkaStreams(
          ScorerTopology.build(topics, s.scoring(), live, metrics, clock), s.streamsProperties());
      CompletableFuture<Throwable> failure = new CompletableFuture<>();
      AtomicReference<Throwable> lastError = new AtomicReference<>();
      streams.setUncaughtExceptionHandler(e -> {
        lastError.set(e);
        log.error("a stream thread failed; the scorer stops (its open transaction is aborted, "
            + "and a restart scores from the last commit)", e);
        return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
      });
      streams.setStateListener((now, before) -> {
        log.info("kafka streams: {} -> {}", before, now);
        if (now == KafkaStreams.State.ERROR) {
          failure.complete(lastError.get() == null ? new IllegalStateException("kafka streams failed") : lastError.get());
        }
      });
      parts.push(() -> closeStreams(streams, s));
      KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(streams);
      streamsMetrics.bindTo(registry);
      parts.push(streamsMetrics);
      streams.start();

      TeacherPoller poller = new TeacherPoller(store, s.teacherId(), loader, live).start(s.teacherPollInterval());
      parts.push(poller);

      OpsServer ops = OpsServer.start(s.service().httpPort(), registry)
          .liveness("streams", () -> ScorerHealth.live(streams.state()))
          .readiness("streams", () -> ScorerHealth.ready(streams.state()))
          .readiness("teacher", () -> teacherHealth(live.current()));
      parts.push(ops);
      log.info("scorer started: teacher {} v{} on {}, ops port {}", s.teacherId(), live.current().version(),
          loader.activeDevice(), ops.port());
      return new ScorerService(s, live, metrics, streams, ops, failure, parts);
    } catch (IOException e) {
      closeAll(parts);
      throw new UncheckedIOException("cannot start the ops endpoint: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      closeAll(parts);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the scorer", e);
    } catch (RuntimeException e) {
      closeAll(parts);
      throw e;
    }
  }

  private static void ensureTopics(ScorerSettings s, Topics topics) throws InterruptedException {
    try (Admin admin = Admin.create(s.kafka().clientProperties())) {
      var created = TopicAdmin.ensure(admin, topics, s.kafka().replicationFactor());
      if (!created.isEmpty()) {
        log.info("created topics {}", created);
      }
    }
  }

  private static Health teacherHealth(Teacher t) {
    return Health.up(t.id() + " v" + t.version() + " (" + t.ensembleSize() + " member(s), "
        + t.manifest().inputs().stream().map(i -> i.spec().toString()).toList() + " -> " + t.numClasses() + " classes)");
  }

  private static void closeStreams(KafkaStreams streams, ScorerSettings s) {
    // commits the open transaction; buffered samples stay in the changelogged store for the next start
    if (!streams.close(s.service().shutdownTimeout())) {
      log.warn("kafka streams did not stop within {}", s.service().shutdownTimeout());
    }
  }

  public ScorerSettings settings() {
    return settings;
  }

  public KafkaStreams.State state() {
    return streams.state();
  }

  /** Port of {@code /metrics} and {@code /health/*}. */
  public int httpPort() {
    return ops.port();
  }

  /** The teacher version that new batches are scored with. */
  public int teacherVersion() {
    return teacher.current().version();
  }

  public ScoringMetrics metrics() {
    return metrics;
  }

  /** Completes with the cause when Kafka Streams fails for good (the service then needs a restart). */
  public CompletableFuture<Throwable> failure() {
    return failure;
  }

  @Override
  public void close() {
    closeAll(parts);
  }

  private static void closeAll(Deque<AutoCloseable> parts) {
    synchronized (parts) {
      while (!parts.isEmpty()) {
        AutoCloseable part = parts.pop();
        try {
          part.close();
        } catch (Exception e) {
          log.warn("closing {} failed: {}", part, e.toString());
        }
      }
    }
  }
}
