package dev.distill.cli.experiment;

import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.model.TeacherVersion;
import dev.distill.contract.proto.ModelVersion;
import dev.distill.contract.proto.Sample;
import dev.distill.contract.proto.SoftTarget;
import dev.distill.kafka.EmbeddedKafka;
import dev.distill.platform.config.ConfigReader;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.platform.config.ServiceSettings;
import dev.distill.platform.ingest.DatasetProducer;
import dev.distill.platform.ingest.KafkaClients;
import dev.distill.platform.topics.TopicAdmin;
import dev.distill.platform.topics.Topics;
import dev.distill.scorer.ScorerService;
import dev.distill.scorer.ScorerSettings;
import dev.distill.trainer.service.Progress;
import dev.distill.trainer.service.TrainerService;
import dev.distill.trainer.service.TrainerSettings;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The bench an experiment runs on: a fresh embedded broker, the teacher-scorer with the stored
 * teacher, and the training split scored once through it (every sample labelled: arms drop
 * labels themselves). Each {@link #run} then streams an arm's composition of those soft targets
 * into the arm's own topics ({@code <experiment>-<arm>.*}, one partition so the order is the
 * arm's) and trains a real student-trainer on them until it has committed the whole stream.
 */
final class Lab implements AutoCloseable {
  private static final String PREFIX = "lab";

  private final String experiment;
  private final PrintStream out;
  private final EmbeddedKafka broker;
  private final ScorerService scorer;
  private final TeacherVersion teacher;
  private final List<SoftTarget> scored;
  private final Duration scoringTime;

  private Lab(String experiment, PrintStream out, EmbeddedKafka broker, ScorerService scorer, TeacherVersion teacher,
      List<SoftTarget> scored, Duration scoringTime) {
    this.experiment = experiment;
    this.out = out;
    this.broker = broker;
    this.scorer = scorer;
    this.teacher = teacher;
    this.scored = scored;
    this.scoringTime = scoringTime;
  }

  /**
   * Starts the broker (data in {@code dir/kafka}, which must be empty) and the scorer, streams
   * the first {@code limit} training samples (0 = all) through it and collects the soft targets.
   */
  static Lab open(String experiment, Path dir, TeacherVersion teacher, Path teacherStore,
      LabelledImages train, long limit, PrintStream out) throws Exception {
    EmbeddedKafka broker = EmbeddedKafka.builder().dataDir(dir.resolve("kafka")).port(0).controllerPort(0).build();
    ScorerService scorer = null;
    try {
      broker.start();
      KafkaSettings kafka = kafka(broker, PREFIX, 4);
      try (Admin admin = Admin.create(kafka.clientProperties())) {
        TopicAdmin.ensure(admin, kafka.topics(), (short) 1);
      }
      Map<String, String> env = new HashMap<>(common(broker, PREFIX, 4));
      env.put(ScorerSettings.TEACHER_ID, teacher.teacherId());
      env.put(ScorerSettings.TEACHER_STORE, teacherStore.toString());
      env.put(ScorerSettings.STATE_DIR, dir.resolve("scorer-state").toString());
      scorer = ScorerService.start(ScorerSettings.from(env));
      long start = System.nanoTime();
      long total = limit == 0 ? train.count() : Math.min(limit, train.count());
      DatasetProducer.Summary sent;
      try (KafkaProducer<String, Sample> producer = KafkaClients.producer(kafka, kafka.topics().samples(),
          "experiment")) {
        sent = new DatasetProducer(producer, kafka.topics().samples(), Clock.systemUTC())
            .send(train, new DatasetProducer.Options(total, 0, null, 1.0), n -> { });
      }
      List<SoftTarget> scored = new ArrayList<>();
      try (KafkaConsumer<String, byte[]> c = consumer(kafka)) {
        List<TopicPartition> parts = c.partitionsFor(kafka.topics().softTargets().name()).stream()
            .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
        c.assign(parts);
        c.seekToBeginning(parts);
        long lastReport = 0;
        while (scored.size() < sent.sent()) {
          if (scorer.failure().isDone()) {
            throw new IllegalStateException("the teacher-scorer stopped: " + scorer.failure().getNow(null));
          }
          if (scorer.metrics().deadLettersCount() > 0) {
            throw new IllegalStateException(scorer.metrics().deadLettersCount() + " samples went to the dead-letter "
                + "topic; see the log");
          }
          for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
            scored.add(SoftTarget.parseFrom(r.value()));
          }
          if (System.nanoTime() - lastReport > Duration.ofSeconds(5).toNanos()) {
            out.printf(Locale.ROOT, "  scored %,d of %,d%n", scored.size(), sent.sent());
            lastReport = System.nanoTime();
          }
        }
      }
      scored.sort(Comparator.comparing(SoftTarget::getSampleId));
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      out.printf(Locale.ROOT, "teacher %s v%d scored %,d training samples at T=%s in %.0f s%n", teacher.teacherId(),
          teacher.version(), scored.size(), scorer.settings().scoring().temperature(), took.toMillis() / 1000.0);
      return new Lab(experiment, out, broker, scorer, teacher, List.copyOf(scored), took);
    } catch (Exception | Error e) {
      if (scorer != null) {
        scorer.close();
      }
      broker.close();
      throw e;
    }
  }

  /** The scored training split, in the split's order. */
  List<SoftTarget> scored() {
    return scored;
  }

  TeacherVersion teacher() {
    return teacher;
  }

  Duration scoringTime() {
    return scoringTime;
  }

  /** What an arm's student published, in order, and how long the arm took. */
  record Outcome(Arm arm, List<ModelVersion> versions, Duration elapsed) {}

  /**
   * Streams the arm into its topics and trains its student until the whole stream is committed.
   *
   * @param common settings of every arm of the experiment (the arm's own win)
   */
  Outcome run(Arm arm, Map<String, String> common) throws Exception {
    String prefix = experiment + "-" + arm.name();
    KafkaSettings kafka = kafka(broker, prefix, 1);
    try (Admin admin = Admin.create(kafka.clientProperties())) {
      TopicAdmin.ensure(admin, kafka.topics(), (short) 1);
    }
    Map<String, String> env = new HashMap<>(common(broker, prefix, 1));
    env.put("DISTILL_TRAINER_MODEL_NAME", arm.name());
    // the curve wants a version at every period from the first, judged or not: the gate passes
    // everything (margin 1) and the validation slice may be tiny
    env.put("DISTILL_TRAINER_VALIDATION_MIN", "1");
    env.put("DISTILL_TRAINER_VERSION_EVERY_SAMPLES", Long.toString(arm.versionEvery()));
    // versions come from the sample count only: every one marks the same point of every run
    env.put("DISTILL_TRAINER_VERSION_EVERY", "10m");
    env.put("DISTILL_TRAINER_GATE_MARGIN", "1");
    // the paper's results are the fp32 versions': no fp16, int8 or qdelta variants beside them
    env.put("DISTILL_TRAINER_VARIANTS", TrainerSettings.NO_VARIANTS);
    env.putAll(common);
    env.putAll(arm.trainer());
    TrainerSettings settings = TrainerSettings.read(ConfigReader.from(env));
    long start = System.nanoTime();
    Map<String, Object> p = new HashMap<>(kafka.clientProperties());
    p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    AtomicReference<Exception> failure = new AtomicReference<>();
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(),
        new ByteArraySerializer())) {
      for (SoftTarget t : arm.stream()) {
        producer.send(new ProducerRecord<>(kafka.topics().softTargets().name(), t.getSampleId(), t.toByteArray()),
            (md, e) -> {
              if (e != null) {
                failure.compareAndSet(null, e);
              }
            });
      }
    }
    if (failure.get() != null) {
      throw new IllegalStateException("the broker refused part of the stream of " + arm.name(), failure.get());
    }
    long total = arm.stream().size();
    try (TrainerService trainer = new TrainerService(settings).start()) {
      long lastReport = 0;
      while (true) {
        Progress progress = trainer.progress();
        if (progress.failure() != null) {
          throw new IllegalStateException("the trainer of " + arm.name() + " stopped: " + progress.failure());
        }
        // the trainer holds its validation slice's soft targets out of training
        if (progress.committedSamples() + progress.heldOut() >= total) {
          break;
        }
        if (System.nanoTime() - lastReport > Duration.ofSeconds(10).toNanos()) {
          out.printf(Locale.ROOT, "  %-12s %,9d of %,d samples trained, v%d published (validation accuracy %s)%n",
              arm.name(), progress.samplesTrained(), total, progress.publishedVersion(),
              Double.isNaN(progress.publishedValidationAccuracy()) ? "-"
                  : String.format(Locale.ROOT, "%.4f", progress.publishedValidationAccuracy()));
          lastReport = System.nanoTime();
        }
        Thread.sleep(250);
      }
    }
    List<ModelVersion> versions = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> c = consumer(kafka)) {
      TopicPartition tp = new TopicPartition(kafka.topics().studentModels().name(), 0);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long end = c.endOffsets(List.of(tp)).get(tp);
      while (c.position(tp) < end) {
        for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
          ModelVersion v = ModelVersion.parseFrom(r.value());
          if (v.getModelName().equals(arm.name())) { // the arm's own lineage only, whatever else the topic holds
            versions.add(v);
          }
        }
      }
    }
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    out.printf(Locale.ROOT, "  %-12s done: %,d samples, %d versions in %.0f s%n", arm.name(), total, versions.size(),
        elapsed.toMillis() / 1000.0);
    return new Outcome(arm, versions, elapsed);
  }

  private static Map<String, String> common(EmbeddedKafka broker, String prefix, int partitions) {
    return Map.of(
        KafkaSettings.BOOTSTRAP, broker.bootstrapServers(),
        "DISTILL_TOPIC_PREFIX", prefix,
        "DISTILL_PARTITIONS", Integer.toString(partitions),
        ServiceSettings.HTTP_PORT, "0");
  }

  private static KafkaSettings kafka(EmbeddedKafka broker, String prefix, int partitions) {
    return KafkaSettings.read(ConfigReader.from(common(broker, prefix, partitions)));
  }

  private static KafkaConsumer<String, byte[]> consumer(KafkaSettings kafka) {
    Map<String, Object> p = new HashMap<>(kafka.clientProperties());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Topics.MODEL_MAX_MESSAGE_BYTES);
    p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Topics.MODEL_MAX_MESSAGE_BYTES);
    return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
  }

  @Override
  public void close() {
    scorer.close();
    broker.close();
  }
}
