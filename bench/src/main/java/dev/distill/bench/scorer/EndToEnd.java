package dev.distill.bench.scorer;

import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.model.TeacherManifest;
import dev.distill.contract.model.TeacherStore;
import dev.distill.contract.proto.Sample;
import dev.distill.kafka.EmbeddedKafka;
import dev.distill.platform.config.ConfigReader;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.platform.http.Metrics;
import dev.distill.platform.ingest.DatasetProducer;
import dev.distill.platform.ingest.KafkaClients;
import dev.distill.platform.topics.Topic;
import dev.distill.platform.topics.TopicAdmin;
import dev.distill.platform.topics.Topics;
import dev.distill.scorer.ProcessingGuarantee;
import dev.distill.scorer.ScorerService;
import dev.distill.scorer.ScorerSettings;
import dev.distill.scorer.topology.ScoringMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The scorer service end to end in this JVM against an embedded broker: the samples are produced
 * once, and each trial is a new application id that reads them all from the start; its rate is
 * taken from 10% to 100% of them, so start-up, the group join and JIT warm-up stay out.
 */
final class EndToEnd implements AutoCloseable {
  static final String PREFIX = "bench";
  static final int PARTITIONS = 4;
  static final String TEACHER = "mlp";
  static final String TINY = "tiny";

  /** One trial's figures. */
  record Run(double recordsPerSecond, double inferenceBusy, double meanBatch, CpuUse cpu) {}

  private final Path dir;
  private final EmbeddedKafka broker;
  private final TeacherStore store;
  private final int samples;
  private int trials;

  EndToEnd(Path dir, LabelledImages images, int samples) throws Exception {
    this.dir = dir;
    this.samples = samples;
    this.store = new TeacherStore(dir.resolve("teachers"));
    store.publish(TEACHER, List.of(Teachers.mlp(7, Teachers.MLP)), TeacherManifest.legacy(784, 10, Map.of("origin", "bench")));
    store.publish(TINY, List.of(Teachers.mlp(8, Teachers.TINY)), TeacherManifest.legacy(784, 10, Map.of("origin", "bench")));
    this.broker = EmbeddedKafka.builder().dataDir(dir.resolve("kafka")).port(0).controllerPort(0).build().start();
    try {
      Topics topics = Topics.withPrefix(PREFIX, PARTITIONS);
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
        TopicAdmin.ensure(admin, topics, (short) 1);
      }
      produce(images, topics.samples());
    } catch (Exception | Error e) {
      broker.close();
      throw e;
    }
  }

  /**
   * Sends {@code samples} images of the split, all labelled, in the split's order, going round it
   * again where {@code samples} is the larger (a full run sends 100,000 of MNIST's 60,000).
   */
  private void produce(LabelledImages images, Topic<String, Sample> topic) throws InterruptedException {
    KafkaSettings kafka =
        KafkaSettings.read(ConfigReader.from(Map.of(KafkaSettings.BOOTSTRAP, broker.bootstrapServers())));
    // uncompressed: the scorer's decompression would otherwise count in every trial's rate, and the
    // figures would no longer compare with the reports measured before
    try (KafkaProducer<String, Sample> producer = KafkaClients.producer(kafka, topic, "bench-samples",
        Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none"))) {
      new DatasetProducer(producer, topic, Clock.systemUTC())
          .send(images, new DatasetProducer.Options(samples, 0, null, 1.0).cycling(), n -> { });
    }
  }

  /** One trial: a new scorer on {@code teacherId}, batches of at most {@code maxBatch}, the given guarantee. */
  Run run(String teacherId, int maxBatch, ProcessingGuarantee guarantee) throws Exception {
    return run(teacherId, maxBatch, guarantee, Map.of());
  }

  /** The same with other scorer settings ({@code DISTILL_*}) on top, for trying them. */
  Run run(String teacherId, int maxBatch, ProcessingGuarantee guarantee, Map<String, String> overrides) throws Exception {
    String applicationId = "bench-" + (++trials);
    Map<String, String> env = new HashMap<>(Map.of(
        "DISTILL_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
        "DISTILL_TOPIC_PREFIX", PREFIX,
        "DISTILL_PARTITIONS", Integer.toString(PARTITIONS),
        "DISTILL_HTTP_PORT", "0",
        ScorerSettings.TEACHER_STORE, store.root().toString(),
        ScorerSettings.TEACHER_ID, teacherId,
        ScorerSettings.STATE_DIR, dir.resolve("state-" + applicationId).toString(),
        ScorerSettings.APPLICATION_ID, applicationId,
        ScorerSettings.MAX_BATCH, Integer.toString(maxBatch),
        ScorerSettings.PROCESSING_GUARANTEE, guarantee.name().toLowerCase(Locale.ROOT).replace('_', '-')));
    env.putAll(overrides);
    PrometheusMeterRegistry registry = Metrics.newRegistry("scorer");
    try (ScorerService scorer = ScorerService.start(ScorerSettings.from(env), Clock.systemUTC(), registry)) {
      ScoringMetrics m = scorer.metrics();
      await(scorer, m::softTargetsCount, samples / 10.0);
      long t0 = System.nanoTime();
      double n0 = m.softTargetsCount();
      long busy0 = m.inferenceTime().toNanos();
      double batches0 = registry.get(ScoringMetrics.BATCH_SIZE).summary().count();
      CpuUse.Snapshot cpu0 = CpuUse.Snapshot.take();
      await(scorer, m::softTargetsCount, samples);
      long t1 = System.nanoTime();
      CpuUse cpu = CpuUse.Snapshot.take().minus(cpu0, (t1 - t0) / 1e9);
      double n1 = m.softTargetsCount();
      double batches = registry.get(ScoringMetrics.BATCH_SIZE).summary().count() - batches0;
      return new Run((n1 - n0) * 1e9 / (t1 - t0), (m.inferenceTime().toNanos() - busy0) / (double) (t1 - t0),
          batches == 0 ? 0 : (n1 - n0) / batches, cpu);
    }
  }

  private static void await(ScorerService scorer, DoubleSupplier count, double target) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    while (count.getAsDouble() < target) {
      if (scorer.failure().isDone()) {
        throw new IllegalStateException("the scorer failed", scorer.failure().getNow(null));
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the scorer did not score " + target + " samples within 5 minutes");
      }
      Thread.sleep(2);
    }
  }

  @Override
  public void close() {
    broker.close();
  }
}
