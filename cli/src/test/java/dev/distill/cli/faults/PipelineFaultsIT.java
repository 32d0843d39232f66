package dev.distill.cli.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.contract.data.Dataset;
import dev.distill.contract.data.Datasets;
import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.data.Split;
import dev.distill.contract.proto.ModelVersion;
import dev.distill.contract.proto.TrainerCheckpoint;
import dev.distill.kafka.KafkaBrokerProcess;
import dev.distill.platform.config.ConfigReader;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.platform.ingest.DatasetProducer;
import dev.distill.platform.ingest.KafkaClients;
import dev.distill.platform.topics.Topic;
import dev.distill.platform.topics.TopicAdmin;
import dev.distill.platform.topics.TopicFollower;
import dev.distill.platform.topics.Topics;
import dev.distill.trainer.validation.SampleHash;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's own way of proving itself, on the whole pipeline: 20,000 MNIST samples flow through a
 * real scorer and a real trainer (child JVMs) on a broker that is a child JVM too, while one of
 * them is killed with SIGKILL three times and started again, as Kubernetes would. Afterwards the
 * set of inputs equals the set of outputs: every sample id has exactly one soft target
 * (read_committed), the trainer's committed count equals the soft targets it does not hold out
 * (each trained once), versions are consecutive, and both services stop within 30 s of SIGTERM.
 * Each run writes {@code target/pipeline-faults-it/summary-<fault>.txt}, which
 * docs/reliability.md quotes.
 */
class PipelineFaultsIT {
  static final int SAMPLES = 20_000;
  static final int RATE = 250; // samples per second: the stream lasts 80 s, across the three kills
  static final int KILLS = 3;
  static final Duration PATIENCE = Duration.ofMinutes(6);
  static final Path LOGS = Path.of("target", "pipeline-faults-it");

  @TempDir Path home;
  KafkaBrokerProcess broker;
  KafkaSettings kafka;
  ChildService scorer;
  ChildService trainer;

  @BeforeEach
  void startThePipeline() throws Exception {
    Files.createDirectories(LOGS);
    TestHome.prepare(home);
    broker = KafkaBrokerProcess.builder().dataDir(home.resolve("kafka")).build().start();
    Map<String, String> common = Map.of("DISTILL_HOME", home.toString(), "DISTILL_BOOTSTRAP_SERVERS",
        broker.bootstrapServers(), "DISTILL_PARTITIONS", "2", "DISTILL_HTTP_PORT", "0");
    kafka = KafkaSettings.read(ConfigReader.from(common));
    // the topics exist before anything runs, as a deployment's topic resources make them: the
    // services' own creation, racing the samples producer on a fresh single-node broker, once
    // left distill.samples-1 without a leader for the whole stream (NOT_LEADER_OR_FOLLOWER, 300 s)
    try (Admin admin = Admin.create(kafka.clientProperties())) {
      TopicAdmin.ensure(admin, kafka.topics(), (short) 1);
    }
    Map<String, String> scorerEnv = new HashMap<>(common);
    scorerEnv.putAll(Map.of("DISTILL_ORT_THREADS", "1", "DISTILL_STATE_DIR", home.resolve("scorer-state").toString()));
    Map<String, String> trainerEnv = new HashMap<>(common);
    trainerEnv.putAll(Map.of("DISTILL_TRAINER_ARCHITECTURE", "mlp:784-128-10", "DISTILL_TRAINER_THREADS", "1",
        "DISTILL_TRAINER_VERSION_EVERY_SAMPLES", "2000", "DISTILL_TRAINER_VERSION_EVERY", "5s",
        "DISTILL_TRAINER_VALIDATION_MIN", "50", "DISTILL_TRAINER_GATE_MARGIN", "0.05"));
    scorer = new ChildService("scorer", "dev.distill.scorer.ScorerMain", scorerEnv, List.of("-Xmx768m", "-XX:+UseSerialGC"),
        LOGS).start();
    trainer = new ChildService("trainer", "dev.distill.trainer.service.TrainerMain", trainerEnv,
        List.of("-Xmx1g", "-XX:+UseSerialGC"), LOGS).start();
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (ChildService s : new ChildService[] {scorer, trainer}) {
      if (s != null) {
        s.close();
      }
    }
    if (broker != null) {
      broker.close();
    }
  }

  /** A fault, done {@link #KILLS} times on a thread of its own while the samples flow. */
  interface Fault {
    void strike() throws Exception;
  }

  @Test
  void killingTheBrokerThreeTimesMidStreamLosesAndDuplicatesNothing() throws Exception {
    // the producer's idempotent retries carry the samples over each gap
    streamThrough("broker", () -> {
      Thread.sleep(18_000);
      broker.kill();
      Thread.sleep(4_000);
      broker.start();
    });
  }

  @Test
  void killingTheScorerAndTheTrainerThreeTimesEachMidStreamLosesAndDuplicatesNothing() throws Exception {
    streamThrough("services", () -> {
      Thread.sleep(10_000);
      scorer.kill();
      scorer.start();
      Thread.sleep(10_000);
      trainer.kill();
      trainer.start();
    });
  }

  private void streamThrough(String name, Fault fault) throws Exception {
    Topics topics = kafka.topics();
    LabelledImages train = Datasets.load(Dataset.MNIST, Split.TRAIN);
    int[] order = DatasetProducer.order(train.count(), 7L);
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < SAMPLES; i++) {
      ids.add(DatasetProducer.sampleId(train, order[i]));
    }
    long toTrain = ids.stream().filter(id -> !SampleHash.heldOut(id, 0.05)).count();

    AtomicInteger strikes = new AtomicInteger();
    CompletableFuture<Void> faults = CompletableFuture.runAsync(() -> {
      try {
        for (int k = 0; k < KILLS; k++) {
          fault.strike();
          strikes.incrementAndGet();
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    try (var producer = KafkaClients.producer(kafka, topics.samples(), "pipeline-faults-it",
        Map.of("delivery.timeout.ms", 300_000, "max.block.ms", 300_000))) {
      new DatasetProducer(producer, topics.samples(), Clock.systemUTC())
          .send(train, new DatasetProducer.Options(SAMPLES, RATE, 7L, 1.0), n -> {});
    }
    faults.join();
    assertThat(strikes.get()).isEqualTo(KILLS);

    await("every sample scored once and trained", () -> {
      scorer.ensureRunning();
      trainer.ensureRunning();
      List<TrainerCheckpoint> cps = read(topics.trainerCheckpoints());
      return !cps.isEmpty() && cps.get(cps.size() - 1).getSamplesTrained() >= toTrain;
    });

    List<String> targetKeys = keys(topics.softTargets());
    assertThat(targetKeys).as("one soft target per sample").hasSize(SAMPLES);
    assertThat(new HashSet<>(targetKeys)).isEqualTo(ids);
    List<TrainerCheckpoint> checkpoints = read(topics.trainerCheckpoints());
    assertThat(checkpoints).extracting(TrainerCheckpoint::getSamplesTrained).isSorted();
    long committed = checkpoints.get(checkpoints.size() - 1).getSamplesTrained();
    assertThat(committed).as("soft targets trained exactly once in the committed state").isEqualTo(toTrain);
    List<String> lineages = keys(topics.studentModels());
    List<ModelVersion> versions = read(topics.studentModels()).stream()
        .filter(v -> !v.getModelName().contains(".")).toList(); // the fp32 lineage, not its variants
    assertThat(lineages).as("the variants' lineages beside the fp32 one").contains(versions.get(0).getModelName() + ".int8");
    assertThat(versions).isNotEmpty();
    for (int i = 0; i < versions.size(); i++) {
      assertThat(versions.get(i).getVersion()).isEqualTo(i + 1L);
    }
    int deadLetters = keys(topics.samplesDlq()).size();
    assertThat(deadLetters).as("no sample dead-lettered by a fault").isZero();
    for (ChildService s : List.of(scorer, trainer)) {
      assertThat(s.terminate(Duration.ofSeconds(30))).as(s.name() + " stops within 30 s of SIGTERM").isTrue();
    }

    String summary = String.format(Locale.ROOT, "PipelineFaultsIT %s: %s SIGKILLed %d times while %d samples flowed at "
            + "%d/s; %d soft targets for %d distinct ids (read_committed), %d dead letters; trainer committed %d of %d to "
            + "train, %d consecutive versions; starts after a kill or an exit: scorer %d (exit codes %s), trainer %d (exit "
            + "codes %s); both stopped within 30 s of SIGTERM%n", java.time.Instant.now(), name, strikes.get(), SAMPLES,
        RATE, targetKeys.size(), new HashSet<>(targetKeys).size(), deadLetters, committed, toTrain, versions.size(),
        scorer.restarts(), scorer.exitCodes(), trainer.restarts(), trainer.exitCodes());
    System.out.print(summary);
    Files.writeString(LOGS.resolve("summary-" + name + ".txt"), summary);
  }

  private <V> List<V> read(Topic<String, V> topic) throws InterruptedException {
    List<V> out = new ArrayList<>();
    follow(topic, (k, v) -> out.add(v));
    return out;
  }

  private <V> List<String> keys(Topic<String, V> topic) throws InterruptedException {
    List<String> out = new ArrayList<>();
    follow(topic, (k, v) -> out.add(k));
    return out;
  }

  private <V> void follow(Topic<String, V> topic, java.util.function.BiConsumer<String, V> each) throws InterruptedException {
    try (TopicFollower<String, V> f = TopicFollower.start(kafka, topic, "pipeline-faults-it-reader", Map.of(),
        (k, v, offset) -> {
          synchronized (each) {
            each.accept(k, v);
          }
        })) {
      assertThat(f.awaitCaughtUp(Duration.ofMinutes(1))).as("read " + topic.name() + " to its end").isTrue();
    }
  }

  private static void await(String what, Check check) throws Exception {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!check.done()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("gave up waiting for " + what + " (logs in " + LOGS.toAbsolutePath() + ")");
      }
      Thread.sleep(1000);
    }
  }

  interface Check {
    boolean done() throws Exception;
  }
}
