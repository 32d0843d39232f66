package dev.distill.scorer;

import dev.distill.contract.model.TeacherStore;
import dev.distill.platform.http.Health;
import dev.distill.platform.http.Metrics;
import dev.distill.platform.http.OpsServer;
import dev.distill.platform.topics.TopicAdmin;
import dev.distill.platform.topics.Topics;
import dev.distill.scorer.onnx.ExecutionProvider;
import dev.distill.scorer.onnx.OnnxTeacherLoader;
import dev.distill.scorer.sync.TeacherSync;
import dev.distill.scorer.teacher.LiveTeacher;
import dev.distill.scorer.teacher.Teacher;
import dev.distill.scorer.teacher.TeacherPoller;
import dev.distill.scorer.teacher.TeacherUnavailableException;
import dev.distill.scorer.topology.ScorerTopology;
import dev.distill.scorer.topology.ScoringMetrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 *
 * <p>With {@link ScorerSettings#teacherSync()} the teacher store is filled from the teacher topic
 * ({@link TeacherSync}): {@link #start} then returns with the ops port and the sync running, and
 * scoring starts on its own once the topic has been read to its end and a version of the teacher
 * is in the store; until then the scorer answers not-ready and {@link #state()} is CREATED.
 */
public final class ScorerService implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ScorerService.class);
  private static final String NOT_STARTED = "kafka streams not started yet: waiting for a teacher";

  private final ScorerSettings settings;
  private final Clock clock;
  private final PrometheusMeterRegistry registry;
  private final TeacherStore store;
  private final OnnxTeacherLoader loader;
  private final ScoringMetrics metrics;
  private final CompletableFuture<Throwable> failure = new CompletableFuture<>();
  /** What to close, last started first; it also guards {@link #closed}. */
  private final Deque<AutoCloseable> parts = new ArrayDeque<>();
  private boolean closed;
  /** Null until the first teacher is loaded (at start, or later with the teacher sync). */
  private volatile LiveTeacher teacher;
  private volatile KafkaStreams streams;
  private volatile OpsServer ops;
  /** With the teacher sync: what scoring waits for, as readiness says it. */
  private volatile String waitingFor = "starting";
  private volatile Thread awaiter;

  private ScorerService(ScorerSettings settings, Clock clock, PrometheusMeterRegistry registry) {
    this.settings = settings;
    this.clock = clock;
    this.registry = registry;
    this.store = new TeacherStore(settings.teacherStore());
    this.loader = new OnnxTeacherLoader(settings.ortThreads(), settings.ortSpinning(), settings.executionProvider());
    this.metrics = new ScoringMetrics(registry);
    Gauge.builder("distill.scorer.teacher.version", this, ScorerService::teacherVersion)
        .description("version of the teacher scoring new batches").tag("teacher", settings.teacherId())
        .register(registry);
    for (ExecutionProvider p : List.of(ExecutionProvider.CPU, ExecutionProvider.CUDA)) {
      Gauge.builder(ScoringMetrics.EXECUTION_PROVIDER, () -> loader.active() == p ? 1 : 0)
          .description("1 for the ONNX Runtime execution provider the teacher runs on, 0 for the other")
          .tag("provider", p.name().toLowerCase(Locale.ROOT)).register(registry);
    }
  }

  public static ScorerService start(ScorerSettings settings) {
    return start(settings, Clock.systemUTC(), Metrics.newRegistry(ScorerSettings.SERVICE_NAME));
  }

  /**
   * Starts the scorer.
   *
   * @throws dev.distill.scorer.teacher.TeacherUnavailableException when there is no usable teacher
   *     (checked first, before anything connects to Kafka); never with the teacher sync, which waits
   *     for one instead
   */
  public static ScorerService start(ScorerSettings s, Clock clock, PrometheusMeterRegistry registry) {
    log.info("starting the scorer: {}", s);
    ScorerService service = new ScorerService(s, clock, registry);
    try {
      if (s.teacherSync()) {
        service.startSynced();
      } else {
        Teacher first = TeacherPoller.loadLatest(service.store, s.teacherId(), service.loader);
        try {
          ensureTopics(s, s.kafka().topics());
        } catch (InterruptedException | RuntimeException e) {
          first.close();
          throw e;
        }
        service.startScoring(first);
        service.startOps();
        log.info("scorer started: teacher {} v{} on {}, ops port {}", s.teacherId(), first.version(),
            service.loader.activeDevice(), service.httpPort());
      }
      return service;
    } catch (IOException e) {
      service.close();
      throw new UncheckedIOException("cannot start the ops endpoint: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      service.close();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the scorer", e);
    } catch (RuntimeException e) {
      service.close();
      throw e;
    }
  }

  /** The ops port and the teacher sync now; scoring once the sync has brought a teacher. */
  private void startSynced() throws InterruptedException, IOException {
    Topics topics = settings.kafka().topics();
    ensureTopics(settings, topics);
    TeacherSync sync = TeacherSync.start(settings.kafka(), topics, settings.teacherStore(), settings.teacherId(),
        registry);
    push(sync);
    sync.failed().thenAccept(cause -> {
      log.error("the teacher sync stopped; the scorer needs a restart to follow the teacher topic again", cause);
      failure.complete(cause);
    });
    waitingFor = "reading " + sync.topic().name() + " to its end";
    startOps().liveness("teacher-sync", sync::liveness);
    Thread t = new Thread(() -> awaitTeacher(sync), "scorer-await-teacher");
    t.setDaemon(true);
    awaiter = t;
    t.start();
    log.info("scorer started, waiting for teacher {} from {}; ops port {}", settings.teacherId(), sync.topic().name(),
        httpPort());
  }

  /** On its own thread: reads the teacher topic to its end, then starts scoring once a version loads. */
  private void awaitTeacher(TeacherSync sync) {
    try {
      while (!sync.awaitCaughtUp(Duration.ofSeconds(1))) {
        if (sync.failed().isDone()) {
          waitingFor = "the teacher sync stopped before it read " + sync.topic().name() + " to its end";
          return;
        }
      }
      long seen = -1;
      while (!sync.failed().isDone()) {
        long installed = sync.installedVersions();
        if (installed != seen) {
          // the store changes only by the sync's installs: a version that did not load is not tried again
          seen = installed;
          Optional<Teacher> first = loadFromStore(sync);
          if (first.isPresent()) {
            startScoring(first.get());
            log.info("scoring started: teacher {} v{} on {}", settings.teacherId(), first.get().version(),
                loader.activeDevice());
            return;
          }
        }
        sync.awaitInstalled(seen, Duration.ofSeconds(1));
      }
      waitingFor = "the teacher sync stopped";
    } catch (InterruptedException e) {
      // closing
    } catch (RuntimeException e) {
      log.error("the scorer could not start scoring", e);
      waitingFor = "scoring could not start: " + e.getMessage();
      failure.complete(e);
    }
  }

  private Optional<Teacher> loadFromStore(TeacherSync sync) {
    String id = settings.teacherId();
    try {
      if (store.latest(id).isEmpty()) {
        waitingFor = "no version of teacher '" + id + "' on " + sync.topic().name() + " yet: push one with "
            + "`distill teacher push --id " + id + "`";
        log.info("{}", waitingFor);
        return Optional.empty();
      }
      return Optional.of(TeacherPoller.loadLatest(store, id, loader));
    } catch (TeacherUnavailableException | IOException e) {
      waitingFor = e.getMessage() + " (waiting for a newer version)";
      log.warn("{}", waitingFor);
      return Optional.empty();
    }
  }

  /** Kafka Streams on the first teacher, and the poller that swaps in newer ones. */
  private void startScoring(Teacher first) {
    synchronized (parts) {
      if (closed) {
        first.close();
        return;
      }
      LiveTeacher live = new LiveTeacher(first);
      parts.push(live);
      ExecutorService inference = inferenceThreads(settings.streamThreads());
      // closed after Kafka Streams (nothing submits any more), before the teacher
      parts.push(() -> stopInference(inference));
      KafkaStreams ks = new KafkaStreams(
          ScorerTopology.build(settings.kafka().topics(), settings.scoring(), live, metrics, clock, inference),
          settings.streamsProperties());
      AtomicReference<Throwable> lastError = new AtomicReference<>();
      ks.setUncaughtExceptionHandler(e -> {
        lastError.set(e);
        log.error("a stream thread failed; the scorer stops (its open transaction is aborted, "
            + "and a restart scores from the last commit)", e);
        return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
      });
      ks.setStateListener((now, before) -> {
        log.info("kafka streams: {} -> {}", before, now);
        if (now == KafkaStreams.State.ERROR) {
          failure.complete(lastError.get() == null ? new IllegalStateException("kafka streams failed") : lastError.get());
        }
      });
      parts.push(() -> closeStreams(ks, settings));
      KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(ks);
      streamsMetrics.bindTo(registry);
      parts.push(streamsMetrics);
      ks.start();
      teacher = live;
      streams = ks;
      parts.push(new TeacherPoller(store, settings.teacherId(), loader, live).start(settings.teacherPollInterval()));
    }
  }

  /**
   * One inference thread per stream thread: as many teacher runs at once as before, when each
   * stream thread ran its own, but now beside the stream threads instead of inside them.
   */
  private static ExecutorService inferenceThreads(int n) {
    AtomicInteger count = new AtomicInteger();
    return Executors.newFixedThreadPool(n, r -> {
      Thread t = new Thread(r, "scorer-inference-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  private static void stopInference(ExecutorService inference) throws InterruptedException {
    // a batch still running finishes (its outputs are dropped: its records are in the committed
    // buffer); queued ones were cancelled by their tasks' close
    inference.shutdown();
    if (!inference.awaitTermination(10, TimeUnit.SECONDS)) {
      log.warn("an inference thread did not stop within 10 s");
    }
  }

  private OpsServer startOps() throws IOException {
    OpsServer o = OpsServer.start(settings.service().httpPort(), registry)
        .liveness("streams", () -> streams == null ? Health.up(NOT_STARTED) : ScorerHealth.live(state()))
        .readiness("streams", () -> streams == null ? Health.down(NOT_STARTED) : ScorerHealth.ready(state()))
        .readiness("teacher", () -> {
          LiveTeacher t = teacher;
          return t == null ? Health.down(waitingFor) : teacherHealth(t.current());
        });
    push(o);
    ops = o;
    return o;
  }

  private void push(AutoCloseable part) {
    synchronized (parts) {
      parts.push(part);
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

  /** The Kafka Streams state; CREATED while scoring waits for a teacher from the teacher sync. */
  public KafkaStreams.State state() {
    KafkaStreams s = streams;
    return s == null ? KafkaStreams.State.CREATED : s.state();
  }

  /** Port of {@code /metrics} and {@code /health/*}. */
  public int httpPort() {
    return ops.port();
  }

  /** The teacher version that new batches are scored with; 0 while scoring waits for a teacher. */
  public int teacherVersion() {
    LiveTeacher t = teacher;
    return t == null ? 0 : t.current().version();
  }

  public ScoringMetrics metrics() {
    return metrics;
  }

  /**
   * Completes with the cause when Kafka Streams or the teacher sync fails for good (the service
   * then needs a restart).
   */
  public CompletableFuture<Throwable> failure() {
    return failure;
  }

  @Override
  public void close() {
    synchronized (parts) {
      closed = true;
    }
    Thread t = awaiter;
    if (t != null) {
      // outside the lock: the awaiter may be about to take it, see closed and give up
      t.interrupt();
      try {
        t.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
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
