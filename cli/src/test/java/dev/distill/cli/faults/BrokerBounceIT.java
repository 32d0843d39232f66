package dev.distill.cli.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.cli.Distill;
import dev.distill.contract.data.DataHome;
import dev.distill.contract.data.Dataset;
import dev.distill.contract.data.Datasets;
import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.data.Split;
import dev.distill.contract.proto.ModelVersion;
import dev.distill.contract.proto.SoftTarget;
import dev.distill.contract.proto.TrainerCheckpoint;
import dev.distill.kafka.KafkaBrokerProcess;
import dev.distill.platform.config.ConfigReader;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.platform.ingest.DatasetProducer;
import dev.distill.platform.ingest.KafkaClients;
import dev.distill.platform.topics.Topic;
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
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's own way of proving itself, on the whole pipeline: the broker runs as a child JVM and is
 * killed with SIGKILL three times while 20,000 MNIST samples flow through a real scorer and a
 * real trainer (child JVMs too). Afterwards the set of inputs equals the set of outputs: every
 * sample id has exactly one soft target (read_committed), the trainer's committed count equals
 * the soft targets it does not hold out, versions are consecutive, and both services stop
 * gracefully on SIGTERM. A service that exits is started again, as Kubernetes would; none is
 * touched by hand.
 */
class BrokerBounceIT {
  static final int SAMPLES = 20_000;
  static final int RATE = 250; // samples per second: the stream lasts 80 s, across the three kills
  static final int KILLS = 3;
  static final Duration PATIENCE = Duration.ofMinutes(6);
  /** The children's logs and the run's summary.txt, which docs/reliability.md quotes. */
  static final Path LOGS = Path.of("target", "broker-bounce-it");
  static final String TRAINER_ARCH = "mlp:784-128-10";

  @TempDir Path home;
  KafkaBrokerProcess broker;
  final List<ChildService> services = new ArrayList<>();

  @AfterEach
  void stop() throws InterruptedException {
    for (ChildService s : services) {
      s.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void killingTheBrokerThreeTimesMidStreamLosesAndDuplicatesNothing() throws Exception {
    Files.createDirectories(LOGS);
    Datasets.ensureAvailable(Dataset.MNIST);
    Path data = Files.createDirectories(home.resolve("data"));
    Files.createSymbolicLink(data.resolve(Dataset.MNIST.cliName()), DataHome.resolve().datasetDir(Dataset.MNIST));
    String previousHome = System.setProperty(DataHome.PROPERTY, home.toString());
    try {
      // a teacher in seconds: one epoch of a small MLP, into this test's data home
      assertThat(Distill.commandLine().execute("teacher", "train", "--dataset", "mnist", "--arch", "mlp:784-128-10",
          "--epochs", "1")).isZero();
    } finally {
      if (previousHome == null) {
        System.clearProperty(DataHome.PROPERTY);
      } else {
        System.setProperty(DataHome.PROPERTY, previousHome);
      }
    }
    broker = KafkaBrokerProcess.builder().dataDir(home.resolve("kafka")).build().start();
    Map<String, String> common = Map.of("DISTILL_HOME", home.toString(), "DISTILL_BOOTSTRAP_SERVERS",
        broker.bootstrapServers(), "DISTILL_PARTITIONS", "2", "DISTILL_HTTP_PORT", "0");
    KafkaSettings kafka = KafkaSettings.read(ConfigReader.from(common));
    Topics topics = kafka.topics();

    Map<String, String> scorerEnv = new HashMap<>(common);
    scorerEnv.putAll(Map.of("DISTILL_ORT_THREADS", "1", "DISTILL_STATE_DIR", home.resolve("scorer-state").toString()));
    Map<String, String> trainerEnv = new HashMap<>(common);
    trainerEnv.putAll(Map.of("DISTILL_TRAINER_ARCHITECTURE", TRAINER_ARCH, "DISTILL_TRAINER_THREADS", "1",
        "DISTILL_TRAINER_VERSION_EVERY_SAMPLES", "2000", "DISTILL_TRAINER_VERSION_EVERY", "5s",
        "DISTILL_TRAINER_VALIDATION_MIN", "50", "DISTILL_TRAINER_GATE_MARGIN", "0.05"));
    ChildService scorer = new ChildService("scorer", "dev.distill.scorer.ScorerMain", scorerEnv,
        List.of("-Xmx768m", "-XX:+UseSerialGC"), LOGS);
    ChildService trainer = new ChildService("trainer", "dev.distill.trainer.service.TrainerMain", trainerEnv,
        List.of("-Xmx1g", "-XX:+UseSerialGC"), LOGS);
    services.addAll(List.of(scorer, trainer));
    scorer.start();
    trainer.start();

    LabelledImages train = Datasets.load(Dataset.MNIST, Split.TRAIN);
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < SAMPLES; i++) {
      ids.add(DatasetProducer.sampleId(train, DatasetProducer.order(train.count(), 7L)[i]));
    }
    long toTrain = ids.stream().filter(id -> !SampleHash.heldOut(id, 0.05)).count();

    // the broker dies while samples flow; the producer's idempotent retries carry them over
    AtomicInteger kills = new AtomicInteger();
    CompletableFuture<Void> bouncer = CompletableFuture.runAsync(() -> {
      try {
        for (int k = 0; k < KILLS; k++) {
          Thread.sleep(18_000);
          broker.kill();
          kills.incrementAndGet();
          Thread.sleep(4_000);
          broker.start();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    try (var producer = KafkaClients.producer(kafka, topics.samples(), "broker-bounce-it",
        Map.of("delivery.timeout.ms", 300_000, "max.block.ms", 300_000))) {
      new DatasetProducer(producer, topics.samples(), Clock.systemUTC())
          .send(train, new DatasetProducer.Options(SAMPLES, RATE, 7L, 1.0), n -> {});
    }
    bouncer.join();
    assertThat(kills.get()).isEqualTo(KILLS);

    await("every sample scored once and trained", () -> {
      restartExited(scorer, trainer);
      List<TrainerCheckpoint> cps = read(kafka, topics.trainerCheckpoints());
      return !cps.isEmpty() && cps.get(cps.size() - 1).getSamplesTrained() >= toTrain;
    });

    List<String> targetKeys = readKeys(kafka, topics.softTargets());
    assertThat(targetKeys).as("one soft target per sample").hasSize(SAMPLES);
    assertThat(new HashSet<>(targetKeys)).isEqualTo(ids);
    List<TrainerCheckpoint> checkpoints = read(kafka, topics.trainerCheckpoints());
    assertThat(checkpoints).extracting(TrainerCheckpoint::getSamplesTrained).isSorted();
    assertThat(checkpoints.get(checkpoints.size() - 1).getSamplesTrained())
        .as("soft targets trained exactly once in the committed state").isEqualTo(toTrain);
    List<ModelVersion> versions = read(kafka, topics.studentModels());
    assertThat(versions).isNotEmpty();
    for (int i = 0; i < versions.size(); i++) {
      assertThat(versions.get(i).getVersion()).isEqualTo(i + 1L);
    }
    int deadLetters = readKeys(kafka, topics.samplesDlq()).size();
    assertThat(deadLetters).as("no sample dead-lettered by a bounce").isZero();

    for (ChildService s : List.of(scorer, trainer)) {
      assertThat(s.terminate(Duration.ofSeconds(30))).as(s.name() + " stops within 30 s of SIGTERM").isTrue();
    }
    String summary = String.format(java.util.Locale.ROOT, "BrokerBounceIT %s: broker SIGKILLed %d times while %d samples "
            + "flowed at %d/s; %d soft targets for %d distinct ids (read_committed), %d dead letters; trainer committed "
            + "%d of %d to train, %d consecutive versions; restarts: scorer %d %s, trainer %d %s; both stopped within 30 s "
            + "of SIGTERM%n", java.time.Instant.now(), kills.get(), SAMPLES, RATE, targetKeys.size(),
        new HashSet<>(targetKeys).size(), deadLetters, checkpoints.get(checkpoints.size() - 1).getSamplesTrained(), toTrain,
        versions.size(), scorer.restarts(), scorer.exitCodes(), trainer.restarts(), trainer.exitCodes());
    System.out.print(summary);
    Files.writeString(LOGS.resolve("summary.txt"), summary);
  }

  private static void restartExited(ChildService... all) throws java.io.IOException {
    for (ChildService s : all) {
      s.ensureRunning();
    }
  }

  private static <V> List<V> read(KafkaSettings kafka, Topic<String, V> topic) throws InterruptedException {
    List<V> out = new ArrayList<>();
    follow(kafka, topic, (k, v) -> out.add(v));
    return out;
  }

  private static <V> List<String> readKeys(KafkaSettings kafka, Topic<String, V> topic) throws InterruptedException {
    List<String> out = new ArrayList<>();
    follow(kafka, topic, (k, v) -> out.add(k));
    return out;
  }

  private static <V> void follow(KafkaSettings kafka, Topic<String, V> topic, java.util.function.BiConsumer<String, V> each)
      throws InterruptedException {
    try (TopicFollower<String, V> f = TopicFollower.start(kafka, topic, "broker-bounce-it-reader", Map.of(),
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
