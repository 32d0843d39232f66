package dev.distill.scorer;

import dev.distill.contract.data.DataHome;
import dev.distill.contract.model.TeacherStore;
import dev.distill.platform.config.ConfigReader;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.platform.config.ServiceSettings;
import dev.distill.scorer.onnx.ExecutionProvider;
import dev.distill.scorer.topology.ScoringOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The scorer's configuration, from {@code DISTILL_*} variables (see {@link #read}); {@code KAFKA_*}
 * variables pass through to the Kafka Streams clients.
 *
 * @param applicationId the Kafka Streams application id: consumer group, transactional ids and
 *     internal topic names; instances with the same id share the work
 * @param streamThreads stream threads of this instance (each scores its own batches)
 * @param stateDir where Streams keeps task directories (the buffer store itself is in memory and
 *     restored from its changelog)
 * @param teacherStore where teachers are read from ({@code DISTILL_TEACHER_STORE},
 *     {@code <id>/v<N>/}); the newest version of {@code teacherId} is scored with, and a newer one
 *     is swapped in when it appears (looked for every {@code DISTILL_TEACHER_POLL_INTERVAL})
 * @param teacherSync {@code DISTILL_TEACHER_SYNC} (default false): fill the teacher store from the
 *     teacher topic ({@code <prefix>.teachers}, written by {@code distill teacher push}) instead of
 *     expecting versions to be put there; the store may then be an empty local folder (in
 *     Kubernetes, an emptyDir instead of a shared volume). The scorer then reads the topic to its
 *     end before it loads a teacher, answers not-ready until a version of its teacher is there,
 *     and keeps installing pushed versions while it runs
 * @param ortThreads ONNX Runtime intra-op threads per session (inter-op is 1)
 * @param ortSpinning whether idle intra-op threads spin-wait between runs
 * @param guarantee {@code DISTILL_PROCESSING_GUARANTEE}, {@code exactly-once} (the default) or
 *     {@code at-least-once}
 */
public record ScorerSettings(
    KafkaSettings kafka,
    ServiceSettings service,
    String applicationId,
    int streamThreads,
    Path stateDir,
    String teacherId,
    Path teacherStore,
    Duration teacherPollInterval,
    boolean teacherSync,
    int ortThreads,
    boolean ortSpinning,
    ExecutionProvider executionProvider,
    ScoringOptions scoring,
    ProcessingGuarantee guarantee) {

  public static final String SERVICE_NAME = "scorer";
  public static final int DEFAULT_HTTP_PORT = 8081;

  public static final String TEACHER_ID = "DISTILL_TEACHER_ID";
  public static final String TEACHER_STORE = "DISTILL_TEACHER_STORE";
  public static final String TEMPERATURE = "DISTILL_TEMPERATURE";
  public static final String TOP_K = "DISTILL_TOP_K";
  public static final String MAX_BATCH = "DISTILL_MAX_BATCH";
  public static final String MAX_WAIT = "DISTILL_MAX_WAIT";
  public static final String ORT_THREADS = "DISTILL_ORT_THREADS";
  public static final String ORT_SPINNING = "DISTILL_ORT_SPINNING";
  public static final String EXECUTION_PROVIDER = "DISTILL_EXECUTION_PROVIDER";
  public static final String TEACHER_POLL_INTERVAL = "DISTILL_TEACHER_POLL_INTERVAL";
  public static final String TEACHER_SYNC = "DISTILL_TEACHER_SYNC";
  public static final String APPLICATION_ID = "DISTILL_APPLICATION_ID";
  public static final String STREAM_THREADS = "DISTILL_STREAM_THREADS";
  public static final String MAX_SAMPLE_BYTES = "DISTILL_MAX_SAMPLE_BYTES";
  public static final String STATE_DIR = "DISTILL_STATE_DIR";
  public static final String PROCESSING_GUARANTEE = "DISTILL_PROCESSING_GUARANTEE";

  private static final Pattern APPLICATION_ID_PATTERN = Pattern.compile("[A-Za-z0-9._-]{1,200}");

  /** Reads every setting, noting problems in the reader; call {@link ConfigReader#validate()} after. */
  public static ScorerSettings read(ConfigReader r) {
    Path home = DataHome.resolve().root();
    ScoringOptions defaults = ScoringOptions.defaults();
    KafkaSettings kafka = KafkaSettings.read(r);
    ServiceSettings service = ServiceSettings.read(r, SERVICE_NAME, DEFAULT_HTTP_PORT);
    String applicationId = r.string(APPLICATION_ID, "distill-scorer", APPLICATION_ID_PATTERN,
        "letters, digits, '.', '_' or '-' (at most 200)");
    int streamThreads = r.intValue(STREAM_THREADS, 1, 1, 64);
    Path stateDir = r.path(STATE_DIR, home.resolve("scorer").resolve("state"));
    String teacherId = r.string(TEACHER_ID, "mnist", TeacherStore.ID,
        "a teacher id: lower-case letters, digits, '.', '_' or '-' (at most 64)");
    Path teacherStore = r.path(TEACHER_STORE, home.resolve("teachers"));
    Duration poll = r.duration(TEACHER_POLL_INTERVAL, Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofHours(24));
    boolean teacherSync = r.bool(TEACHER_SYNC, false);
    int ortThreads = r.intValue(ORT_THREADS, 2, 1, 256);
    // off: spinning intra-op threads take the CPU that the Kafka clients (and, in the demo, the
    // broker) need between batches; on 2 cores the scorer did 2.4x the records/s without (measured
    // when inference still ran on the stream thread)
    boolean ortSpinning = r.bool(ORT_SPINNING, false);
    ExecutionProvider provider = r.enumValue(EXECUTION_PROVIDER, ExecutionProvider.AUTO, ExecutionProvider.class);
    ScoringOptions scoring = new ScoringOptions(
        r.doubleValue(TEMPERATURE, defaults.temperature(), 0.01, 1000),
        r.intValue(TOP_K, defaults.topK(), 0, 1_000_000),
        r.intValue(MAX_BATCH, defaults.maxBatch(), 1, 65_536),
        r.duration(MAX_WAIT, defaults.maxWait(), Duration.ofMillis(1), Duration.ofMinutes(10)),
        r.intValue(MAX_SAMPLE_BYTES, defaults.maxSampleBytes(), 64, 64 << 20));
    ProcessingGuarantee guarantee = r.enumValue(PROCESSING_GUARANTEE, ProcessingGuarantee.EXACTLY_ONCE,
        ProcessingGuarantee.class);
    return new ScorerSettings(kafka, service, applicationId, streamThreads, stateDir, teacherId, teacherStore,
        poll, teacherSync, ortThreads, ortSpinning, provider, scoring, guarantee);
  }

  /**
   * From an environment-like map.
   *
   * @throws dev.distill.platform.config.ConfigException listing every problem
   */
  public static ScorerSettings from(Map<String, String> env) {
    ConfigReader r = ConfigReader.from(env);
    ScorerSettings s = read(r);
    r.validate();
    return s;
  }

  public static ScorerSettings fromEnvironment() {
    return from(System.getenv());
  }

  /** The Kafka Streams configuration: the guarantee, the thread budget, and the {@code KAFKA_*} overrides. */
  public Properties streamsProperties() {
    Properties p = new Properties();
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) kafka.replicationFactor());
    // an idle poll must not hold back the max-wait punctuation for longer than max wait
    p.put(StreamsConfig.POLL_MS_CONFIG, Math.max(1, Math.min(100, scoring.maxWait().toMillis())));
    // a soft target carries its sample's features (~850 bytes for MNIST): the 16 KiB default
    // batch holds ~19 of them, and small produce requests cost the broker more than the bytes
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    p.putAll(kafka.clientProperties());
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee.streamsValue());
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, streamThreads);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    return p;
  }
}
