package dev.distill.trainer.service;

import dev.distill.contract.data.Datasets;
import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.data.Split;
import dev.distill.contract.proto.ModelVersion;
import dev.distill.contract.proto.OffsetRange;
import dev.distill.contract.proto.SoftTarget;
import dev.distill.contract.proto.TrainerCheckpoint;
import dev.distill.contract.wire.SoftTargets;
import dev.distill.contract.wire.Tensors;
import dev.distill.platform.http.Health;
import dev.distill.platform.http.Metrics;
import dev.distill.platform.http.OpsServer;
import dev.distill.platform.topics.TopicAdmin;
import dev.distill.platform.topics.Topics;
import dev.distill.trainer.engine.EngineSettings;
import dev.distill.trainer.engine.TrainingEngine;
import dev.distill.trainer.replay.ReplayBuffer;
import dev.distill.trainer.stream.Batch;
import dev.distill.trainer.stream.StepResult;
import dev.distill.trainer.stream.StudentLearner;
import dev.distill.trainer.version.ModelVersions;
import dev.distill.trainer.version.PromotionGate;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.DoubleAdder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The student trainer: consumes soft targets (read_committed), trains the student in minibatches
 * mixed with replayed examples, and every N samples or S seconds considers a candidate version. In
 * one Kafka transaction it then writes the published version (if the gate passes it), a
 * checkpoint of the full resume state, any dead letters of the period, and the consumed offsets:
 * the committed model state always matches the committed offsets, so a crash anywhere loses no
 * sample and trains none twice in the committed state. Work since the last commit is redone after
 * a crash or a {@link #close}.
 *
 * <p>{@link #start} runs the loop on its own thread; {@link #progress} observes it.
 */
public final class TrainerService implements AutoCloseable {
  public static final String DLQ_REASON = "distill.dlq.reason";
  public static final String DLQ_MESSAGE = "distill.dlq.message";
  public static final String DLQ_EXCEPTION = "distill.dlq.exception";
  public static final String DLQ_SOURCE_TOPIC = "distill.dlq.source.topic";
  public static final String DLQ_SOURCE_PARTITION = "distill.dlq.source.partition";
  public static final String DLQ_SOURCE_OFFSET = "distill.dlq.source.offset";

  private static final Logger LOG = LoggerFactory.getLogger(TrainerService.class);

  private final TrainerSettings settings;
  private final Clock clock;
  private final Topics topics;
  private final PrometheusMeterRegistry registry;
  private final PromotionGate gate;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicReference<String> failure = new AtomicReference<>();
  private volatile boolean running;
  private volatile Progress progress = new Progress(0, 0, 0, 0, Double.NaN, Double.NaN, 0, 0, 0, null);
  private Thread thread;
  private OpsServer ops;
  private KafkaConsumer<String, byte[]> consumer;

  // metrics
  private final Counter samplesCounter;
  private final Counter publishedCounter;
  private final Counter rejectedCounter;
  private final Counter skippedCounter;
  private final Counter dlqCounter;
  private final DoubleAdder lag = new DoubleAdder();
  private volatile double softLoss = Double.NaN;
  private volatile double hardLoss = Double.NaN;
  private volatile double prequential = Double.NaN;
  private volatile double agreement = Double.NaN;
  private volatile double candidateHoldout = Double.NaN;
  private volatile double publishedHoldout = Double.NaN;

  public TrainerService(TrainerSettings settings) {
    this(settings, Clock.systemUTC());
  }

  public TrainerService(TrainerSettings settings, Clock clock) {
    this.settings = settings;
    this.clock = clock;
    this.topics = settings.kafka().topics();
    this.gate = new PromotionGate(settings.gateMargin());
    this.registry = Metrics.newRegistry(TrainerSettings.SERVICE_NAME);
    String m = settings.modelName();
    samplesCounter = Counter.builder("distill.trainer.samples").tag("model", m)
        .description("fresh soft targets trained; rate() gives samples/s").register(registry);
    publishedCounter = Counter.builder("distill.trainer.versions.published").tag("model", m)
        .description("versions that passed the gate and were published").register(registry);
    rejectedCounter = Counter.builder("distill.trainer.gate.rejections").tag("model", m)
        .description("candidates the promotion gate refused").register(registry);
    skippedCounter = Counter.builder("distill.trainer.batches.skipped").tag("model", m)
        .description("batches whose loss was NaN or infinite").register(registry);
    dlqCounter = Counter.builder("distill.trainer.dead.letters").tag("model", m)
        .description("soft targets sent to the dead-letter topic").register(registry);
    Gauge.builder("distill.trainer.loss", () -> softLoss).tag("model", m).tag("term", "soft")
        .description("this loss term on the latest minibatch").register(registry);
    Gauge.builder("distill.trainer.loss", () -> hardLoss).tag("model", m).tag("term", "hard")
        .description("this loss term on the latest minibatch").register(registry);
    Gauge.builder("distill.trainer.prequential.accuracy", () -> prequential).tag("model", m)
        .description("test-then-train accuracy on labelled fresh samples").register(registry);
    Gauge.builder("distill.trainer.agreement", () -> agreement).tag("model", m)
        .description("share of fresh samples where student and teacher agree on the class").register(registry);
    Gauge.builder("distill.trainer.holdout.accuracy", () -> candidateHoldout).tag("model", m)
        .tag("version", "candidate").description("holdout accuracy (NaN without a holdout)").register(registry);
    Gauge.builder("distill.trainer.holdout.accuracy", () -> publishedHoldout).tag("model", m)
        .tag("version", "published").description("holdout accuracy (NaN without a holdout)").register(registry);
    Gauge.builder("distill.trainer.published.version", () -> progress.publishedVersion()).tag("model", m)
        .description("the newest published version number; flat for long = no new version").register(registry);
    Gauge.builder("distill.trainer.consumer.lag", lag::sum).tag("model", m).baseUnit("records")
        .description("soft targets not yet consumed").register(registry);
  }

  /** Starts the ops port and the training loop on its own thread; returns once both are running. */
  public TrainerService start() throws IOException {
    ops = OpsServer.start(settings.service().httpPort(), registry)
        .readiness("trainer", () -> failure.get() == null && running ? Health.up(settings.modelName())
            : Health.down(failure.get() == null ? "not running" : failure.get()));
    running = true;
    thread = new Thread(this::runLoop, "trainer-" + settings.modelName());
    thread.start();
    return this;
  }

  public Progress progress() {
    return progress;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public int httpPort() {
    return ops.port();
  }

  public TrainerSettings settings() {
    return settings;
  }

  /** Waits for the loop to end (after {@link #close} or a failure). */
  public boolean awaitStop(Duration timeout) throws InterruptedException {
    return stopped.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** Stops the loop without committing: work since the last commit is redone by the next run. */
  @Override
  public void close() {
    running = false;
    KafkaConsumer<String, byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
    try {
      if (thread != null && !stopped.await(settings.service().shutdownTimeout().toMillis(),
          java.util.concurrent.TimeUnit.MILLISECONDS)) {
        LOG.warn("trainer {} did not stop within {}", settings.modelName(), settings.service().shutdownTimeout());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (ops != null) {
      ops.close();
    }
  }

  private void runLoop() {
    try {
      new Loop().run();
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
    Progress p = progress;
    progress = new Progress(p.samplesTrained(), p.committedSamples(), p.versionsPublished(), p.publishedVersion(),
        p.lastHoldoutAccuracy(), p.publishedHoldoutAccuracy(), p.rejected(), p.skippedBatches(), p.deadLettered(),
        e.toString());
  }

  /** One soft target as the trainer keeps it (also what the replay buffer holds). */
  private record Example(float[] features, float[] probs, float temperature, int label) {}

  /** The state of one run of the loop; lives on the loop's thread only. */
  private final class Loop {
    final int d = settings.architecture().inputSize();
    final int c = settings.architecture().classes();
    final List<Example> pending = new ArrayList<>();
    final ReplayBuffer<Example> replay = new ReplayBuffer<>(settings.replayCapacity(), settings.replayRatio(),
        new Random(settings.seed()));
    final Map<TopicPartition, Long> nextOffsets = new HashMap<>();
    final Map<TopicPartition, long[]> seen = new TreeMap<>((a, b) -> Integer.compare(a.partition(), b.partition()));
    StudentLearner learner;
    KafkaProducer<String, byte[]> producer;
    LabelledImages holdout;
    boolean inTransaction;
    // committed state
    long publishedVersion;
    long committedSamples;
    long rejectedTotal;
    Map<String, Double> publishedMetrics = new HashMap<>();
    // since the process started / since the last consideration
    long samplesTrained;
    long sinceCommit;
    long published;
    long rejected;
    long skipped;
    long deadLettered;
    long labelled;
    long correct;
    long agreeing;
    long fresh;
    double lossSum;
    long lossSteps;
    long lastConsideredNanos = System.nanoTime();
    String teacherId = "";
    String teacherVersion = "";
    float temperature;

    void run() throws Exception {
      TrainingEngine engine = TrainingEngine.start(new EngineSettings(EngineSettings.defaults().cacheDir(),
          settings.threads(), 1));
      if (settings.holdout().isPresent()) {
        Datasets.ensureAvailable(settings.holdout().get());
        holdout = Datasets.load(settings.holdout().get(), Split.TEST);
      }
      try (Admin admin = Admin.create(settings.kafka().clientProperties())) {
        TopicAdmin.ensure(admin, topics, settings.kafka().replicationFactor());
      }
      try (StudentLearner l = new StudentLearner(engine, settings.architecture(), settings.optimizer(),
          settings.learningRate(), settings.momentum(), settings.alpha(), settings.seed());
           KafkaProducer<String, byte[]> p = newProducer();
           KafkaConsumer<String, byte[]> cons = newConsumer()) {
        learner = l;
        producer = p;
        consumer = cons;
        // fences a previous incarnation and aborts its open transaction before offsets are read
        producer.initTransactions();
        restore();
        List<TopicPartition> parts = new ArrayList<>();
        consumer.partitionsFor(topics.softTargets().name())
            .forEach(i -> parts.add(new TopicPartition(i.topic(), i.partition())));
        consumer.assign(parts);
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new java.util.HashSet<>(parts));
        for (TopicPartition tp : parts) {
          OffsetAndMetadata o = committed.get(tp);
          if (o == null) {
            consumer.seekToBeginning(List.of(tp));
          } else {
            consumer.seek(tp, o.offset());
            nextOffsets.put(tp, o.offset());
          }
        }
        LOG.info("trainer {} ({}, alpha {}, batch {}) on {} from {}: published v{}, {} samples committed",
            settings.modelName(), settings.architecture(), settings.alpha(), settings.batchSize(),
            engine.description(), topics.softTargets().name(), publishedVersion, committedSamples);
        report();
        while (running) {
          var records = consumer.poll(Duration.ofMillis(200));
          for (ConsumerRecord<String, byte[]> r : records) {
            handle(r);
            // the N-th fresh sample triggers the candidate even mid-batch (consider() trains the
            // partial batch first): a stream that ends off a batch boundary still gets its version
            if (sinceCommit + pending.size() >= settings.versionEverySamples()) {
              consider();
            }
          }
          double behind = 0;
          for (TopicPartition tp : parts) {
            behind += consumer.currentLag(tp).orElse(0);
          }
          lag.reset();
          lag.add(behind);
          boolean due = System.nanoTime() - lastConsideredNanos >= settings.versionEvery().toNanos();
          if (due && (sinceCommit > 0 || !pending.isEmpty() || inTransaction)) {
            consider();
          }
          report();
        }
        if (inTransaction) {
          producer.abortTransaction();
        }
      } finally {
        consumer = null;
      }
    }

    KafkaProducer<String, byte[]> newProducer() {
      Map<String, Object> p = new HashMap<>(settings.kafka().clientProperties());
      p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, settings.transactionalId());
      p.put(ProducerConfig.CLIENT_ID_CONFIG, "trainer-" + settings.modelName());
      p.put(ProducerConfig.ACKS_CONFIG, "all");
      p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MODEL_MAX_MESSAGE_BYTES);
      p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 2L * Topics.MODEL_MAX_MESSAGE_BYTES);
      // a transaction spans one consideration period plus the holdout evaluation and export
      long timeout = Math.min(900_000, settings.versionEvery().toMillis() * 2 + 120_000);
      p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) timeout);
      return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    KafkaConsumer<String, byte[]> newConsumer() {
      Map<String, Object> p = new HashMap<>(settings.kafka().clientProperties());
      p.put(ConsumerConfig.GROUP_ID_CONFIG, settings.consumerGroup());
      p.put(ConsumerConfig.CLIENT_ID_CONFIG, "trainer-" + settings.modelName());
      p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
      return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** Loads the last committed checkpoint of this model, if any, into the learner and the counters. */
    void restore() {
      Map<String, Object> p = new HashMap<>(settings.kafka().clientProperties());
      p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Topics.MODEL_MAX_MESSAGE_BYTES);
      p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Topics.MODEL_MAX_MESSAGE_BYTES);
      TrainerCheckpoint last = null;
      try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(),
          new ByteArrayDeserializer())) {
        List<TopicPartition> parts = new ArrayList<>();
        c.partitionsFor(topics.trainerCheckpoints().name())
            .forEach(i -> parts.add(new TopicPartition(i.topic(), i.partition())));
        c.assign(parts);
        c.seekToBeginning(parts);
        Map<TopicPartition, Long> end = c.endOffsets(parts);
        while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
          for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
            if (settings.modelName().equals(r.key()) && r.value() != null) {
              last = topics.trainerCheckpoints().valueSerde().deserializer().deserialize(r.topic(), r.value());
            }
          }
        }
      }
      if (last == null) {
        return;
      }
      if (!last.getArchitecture().equals(settings.architecture().spec())) {
        throw new IllegalStateException("model " + settings.modelName() + " was trained as " + last.getArchitecture()
            + ", not " + settings.architecture() + ": keep the architecture or choose a new model name");
      }
      learner.restore(last.getResumeState().toByteArray());
      publishedVersion = last.getPublishedVersion();
      committedSamples = last.getSamplesTrained();
      rejectedTotal = last.getCandidatesRejected();
      publishedMetrics = new HashMap<>(last.getPublishedMetricsMap());
      publishedHoldout = publishedMetrics.getOrDefault(PromotionGate.HOLDOUT, Double.NaN);
      for (OffsetRange r : last.getOffsetsList()) {
        seen.put(new TopicPartition(r.getTopic(), r.getPartition()), new long[] {r.getFirstOffset(), r.getLastOffset()});
      }
    }

    void handle(ConsumerRecord<String, byte[]> r) {
      TopicPartition tp = new TopicPartition(r.topic(), r.partition());
      nextOffsets.put(tp, r.offset() + 1);
      SoftTarget t;
      float[] features;
      float[] probs;
      try {
        t = SoftTargets.decode(r.value());
        features = Tensors.toFloats(t.getFeatures());
        probs = SoftTargets.dense(t);
      } catch (RuntimeException e) {
        deadLetter(r, "undecodable", e.getMessage(), e);
        return;
      }
      if (features.length != d) {
        deadLetter(r, "feature-count", "the student takes " + d + " features, the soft target has "
            + features.length, null);
        return;
      }
      if (t.getNumClasses() != c) {
        deadLetter(r, "class-count", "the student has " + c + " classes, the soft target "
            + t.getNumClasses(), null);
        return;
      }
      long[] range = seen.computeIfAbsent(tp, k -> new long[] {r.offset(), r.offset()});
      range[0] = Math.min(range[0], r.offset());
      range[1] = Math.max(range[1], r.offset());
      teacherId = t.getTeacherId();
      teacherVersion = t.getTeacherVersion();
      temperature = t.getTemperature();
      pending.add(new Example(features, probs, t.getTemperature(), t.hasLabel() ? t.getLabel() : -1));
      if (pending.size() >= settings.batchSize()) {
        trainPending();
      }
    }

    void deadLetter(ConsumerRecord<String, byte[]> r, String reason, String message, Exception e) {
      beginIfNeeded();
      ProducerRecord<String, byte[]> out = new ProducerRecord<>(topics.softTargetsDlq().name(), r.key(), r.value());
      out.headers().add(DLQ_REASON, utf8(reason));
      out.headers().add(DLQ_MESSAGE, utf8(String.valueOf(message)));
      if (e != null) {
        out.headers().add(DLQ_EXCEPTION, utf8(e.getClass().getName()));
      }
      out.headers().add(DLQ_SOURCE_TOPIC, utf8(r.topic()));
      out.headers().add(DLQ_SOURCE_PARTITION, utf8(Integer.toString(r.partition())));
      out.headers().add(DLQ_SOURCE_OFFSET, utf8(Long.toString(r.offset())));
      producer.send(out);
      deadLettered++;
      dlqCounter.increment();
    }

    void beginIfNeeded() {
      if (!inTransaction) {
        producer.beginTransaction();
        inTransaction = true;
      }
    }

    void trainPending() {
      if (pending.isEmpty()) {
        return;
      }
      int n = pending.size();
      List<Example> rows = new ArrayList<>(pending);
      rows.addAll(replay.draw(replay.replayCount(n)));
      float[] x = new float[rows.size() * d];
      float[] q = new float[rows.size() * c];
      float[] temps = new float[rows.size()];
      int[] labels = new int[rows.size()];
      for (int i = 0; i < rows.size(); i++) {
        Example e = rows.get(i);
        System.arraycopy(e.features, 0, x, i * d, d);
        System.arraycopy(e.probs, 0, q, i * c, c);
        temps[i] = e.temperature;
        labels[i] = e.label;
      }
      StepResult s = learner.step(new Batch(rows.size(), n, x, q, temps, labels));
      if (s.skipped()) {
        skipped++;
        skippedCounter.increment();
        LOG.warn("trainer {}: batch of {} skipped, loss {}", settings.modelName(), n, s.loss());
      } else {
        for (int i = 0; i < n; i++) {
          Example e = pending.get(i);
          int pred = s.predictions()[i];
          if (e.label >= 0) {
            labelled++;
            correct += pred == e.label ? 1 : 0;
          }
          agreeing += pred == argmax(e.probs) ? 1 : 0;
          fresh++;
          replay.offer(e);
        }
        samplesTrained += n;
        sinceCommit += n;
        samplesCounter.increment(n);
        lossSum += s.loss();
        lossSteps++;
        softLoss = s.softLoss();
        hardLoss = s.hardLoss();
      }
      pending.clear();
    }

    /** Evaluates a candidate, publishes it if the gate passes, and commits everything in one transaction. */
    void consider() {
      trainPending();
      lastConsideredNanos = System.nanoTime();
      if (sinceCommit == 0) {
        // nothing learnt since the last commit (only dead letters or skipped batches): no
        // candidate and no new checkpoint, the committed weights still stand; the dead letters
        // and the offsets past them are committed
        beginIfNeeded();
        commitOffsets();
        report();
        return;
      }
      Map<String, Double> metrics = new LinkedHashMap<>();
      if (labelled > 0) {
        metrics.put(PromotionGate.PREQUENTIAL, correct / (double) labelled);
      }
      if (fresh > 0) {
        metrics.put("agreement", agreeing / (double) fresh);
      }
      if (lossSteps > 0) {
        metrics.put("loss", lossSum / lossSteps);
      }
      prequential = metrics.getOrDefault(PromotionGate.PREQUENTIAL, Double.NaN);
      agreement = metrics.getOrDefault("agreement", Double.NaN);
      boolean finite = learner.weightsFinite();
      if (holdout != null && finite) {
        metrics.put(PromotionGate.HOLDOUT, learner.accuracy(holdout));
      }
      candidateHoldout = metrics.getOrDefault(PromotionGate.HOLDOUT, Double.NaN);
      PromotionGate.Decision decision = finite ? gate.decide(metrics, publishedMetrics)
          : new PromotionGate.Decision(false, "the weights diverged (NaN or infinite)");
      long total = committedSamples + sinceCommit;
      List<OffsetRange> ranges = new ArrayList<>();
      seen.forEach((tp, r) -> ranges.add(OffsetRange.newBuilder().setTopic(tp.topic()).setPartition(tp.partition())
          .setFirstOffset(r[0]).setLastOffset(r[1]).build()));
      byte[] resume = learner.resumeState();
      var now = clock.instant();
      beginIfNeeded();
      long version = publishedVersion;
      Map<String, Double> nextPublishedMetrics = publishedMetrics;
      if (decision.publish()) {
        version = publishedVersion + 1;
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("engine", learner.engine().engineName());
        labels.put("device", learner.engine().device().toString());
        labels.put("batch_size", Integer.toString(settings.batchSize()));
        labels.put("optimizer", settings.optimizer().name().toLowerCase(java.util.Locale.ROOT));
        labels.put("learning_rate", Float.toString(settings.learningRate().base()));
        labels.put("optimizer_steps", Long.toString(learner.optimizerSteps()));
        labels.put("gate", decision.reason());
        ModelVersion mv = ModelVersions.build(learner.network(), new ModelVersions.Lineage(settings.modelName(),
            version, publishedVersion, teacherId, teacherVersion, temperature, settings.alpha(), ranges, total,
            metrics, labels), resume, now);
        producer.send(new ProducerRecord<>(topics.studentModels().name(), settings.modelName(),
            topics.studentModels().valueSerde().serializer().serialize(topics.studentModels().name(), mv)));
        nextPublishedMetrics = metrics;
      }
      TrainerCheckpoint checkpoint = TrainerCheckpoint.newBuilder()
          .setModelName(settings.modelName())
          .setPublishedVersion(version)
          .setSamplesTrained(total)
          .addAllOffsets(ranges)
          .setResumeState(com.google.protobuf.ByteString.copyFrom(resume))
          .putAllPublishedMetrics(nextPublishedMetrics)
          .setCreatedAtMs(now.toEpochMilli())
          .setCandidatesRejected(rejectedTotal + (decision.publish() ? 0 : 1))
          .setArchitecture(settings.architecture().spec())
          .build();
      producer.send(new ProducerRecord<>(topics.trainerCheckpoints().name(), settings.modelName(),
          checkpoint.toByteArray()));
      commitOffsets();
      committedSamples = total;
      sinceCommit = 0;
      if (decision.publish()) {
        publishedVersion = version;
        publishedMetrics = nextPublishedMetrics;
        publishedHoldout = publishedMetrics.getOrDefault(PromotionGate.HOLDOUT, Double.NaN);
        published++;
        publishedCounter.increment();
        LOG.info("trainer {}: published v{} after {} samples: {} ({})", settings.modelName(), version, total, metrics,
            decision.reason());
      } else {
        rejected++;
        rejectedTotal++;
        rejectedCounter.increment();
        LOG.info("trainer {}: candidate after {} samples rejected: {}", settings.modelName(), total,
            decision.reason());
      }
      labelled = correct = agreeing = fresh = lossSteps = 0;
      lossSum = 0;
      report();
    }

    /** Adds the consumed offsets to the open transaction and commits it. */
    void commitOffsets() {
      Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
      nextOffsets.forEach((tp, o) -> offsets.put(tp, new OffsetAndMetadata(o)));
      producer.sendOffsetsToTransaction(offsets, new ConsumerGroupMetadata(settings.consumerGroup()));
      producer.commitTransaction();
      inTransaction = false;
    }

    void report() {
      progress = new Progress(samplesTrained, committedSamples, published, publishedVersion, candidateHoldout,
          publishedHoldout, rejected, skipped, deadLettered, null);
    }
  }

  private static int argmax(float[] p) {
    int best = 0;
    for (int k = 1; k < p.length; k++) {
      if (p[k] > p[best]) {
        best = k;
      }
    }
    return best;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

}
