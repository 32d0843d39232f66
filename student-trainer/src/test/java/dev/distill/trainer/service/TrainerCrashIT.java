package dev.distill.trainer.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.contract.model.Variant;
import dev.distill.contract.onnx.OnnxGraphReader;
import dev.distill.contract.ota.QuantizedUpdate;
import dev.distill.contract.proto.ModelVersion;
import dev.distill.contract.proto.TrainerCheckpoint;
import dev.distill.kafka.EmbeddedKafka;
import dev.distill.platform.config.ConfigReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer as a real process ({@link TrainerMain} in a child JVM) killed with SIGKILL in the
 * middle of the stream, then restarted: the run finishes with every soft target trained exactly
 * once in the committed state (the last checkpoint's sample count equals the number of soft
 * targets, and the checkpoints never count backwards), and the published versions stay
 * strictly increasing, each the child of the one before.
 */
class TrainerCrashIT {
  static final int SAMPLES = 6_000;
  static final Duration PATIENCE = Duration.ofMinutes(5);
  /** The children's logs outlive the test, for post-mortems. */
  static final Path LOGS = Path.of("target", "trainer-crash-it");

  @TempDir Path dir;
  EmbeddedKafka broker;
  final List<Process> children = new ArrayList<>();

  @BeforeEach
  void startBroker() throws IOException {
    Files.createDirectories(LOGS);
    broker = EmbeddedKafka.builder().dataDir(dir.resolve("kafka")).port(0).controllerPort(0).build().start();
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (Process p : children) {
      p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    broker.close();
  }

  private Map<String, String> settings() {
    return Map.of(
        "DISTILL_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
        "DISTILL_PARTITIONS", "2",
        "DISTILL_HTTP_PORT", "0",
        "DISTILL_TRAINER_ARCHITECTURE", "mlp:784-128-10",
        "DISTILL_TRAINER_THREADS", "1",
        "DISTILL_TRAINER_VERSION_EVERY_SAMPLES", "500",
        "DISTILL_TRAINER_VERSION_EVERY", "2s",
        // about 300 of the 6,000 are held out; the second trainer's slice refills from the stream
        // after the restart, and judges candidates from 50 examples on
        "DISTILL_TRAINER_VALIDATION_MIN", "50",
        // every candidate is published unless it is much worse: versions then come often
        "DISTILL_TRAINER_GATE_MARGIN", "0.05");
  }

  private Process startTrainer(String name) throws IOException {
    Process p = TrainerProcess.start(settings(), List.of("-Xmx1g", "-XX:+UseSerialGC"), dir.resolve("tmp"),
        LOGS.resolve(name + ".log"));
    children.add(p);
    return p;
  }

  private List<TrainerCheckpoint> checkpoints(TrainerSettings s) throws Exception {
    return TopicReader.read(broker.bootstrapServers(), s.kafka().topics().trainerCheckpoints().name(),
        TrainerCheckpoint::parseFrom);
  }

  private long committed(TrainerSettings s) throws Exception {
    List<TrainerCheckpoint> all = checkpoints(s);
    return all.isEmpty() ? 0 : all.get(all.size() - 1).getSamplesTrained();
  }

  private void await(String what, Check check) throws Exception {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!check.done()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("gave up waiting for " + what + " (logs in " + LOGS.toAbsolutePath() + ")");
      }
      Thread.sleep(250);
    }
  }

  interface Check {
    boolean done() throws Exception;
  }

  @Test
  void aTrainerKilledMidStreamResumesWithEverySoftTargetTrainedOnce() throws Exception {
    TrainerSettings s = TrainerSettings.read(ConfigReader.from(settings()));
    long committedAtKill;
    try (QuickTeacher teacher = new QuickTeacher(s.kafka())) {
      teacher.produce(0, SAMPLES / 2);

      // 1. The first trainer commits at least once, then dies with SIGKILL: no shutdown hook,
      //    perhaps an open transaction and work not committed. Only then does the rest of the
      //    stream arrive, so the kill is mid-stream however fast the trainer is.
      Process first = startTrainer("trainer-1");
      await("the first trainer's first commit", () -> committed(s) > 0);
      first.destroyForcibly();
      assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
      committedAtKill = committed(s);
      assertThat(committedAtKill).as("the kill came mid-stream").isBetween(1L, SAMPLES / 2L);
      teacher.produce(SAMPLES / 2, SAMPLES);

      // 2. A second one fences the first's transaction, resumes from the last commit, finishes,
      //    and stops gracefully on SIGTERM.
      Process second = startTrainer("trainer-2");
      long toTrain = HeldOutIds.trainedCount(s, "s-", SAMPLES);
      await("every soft target in the committed state", () -> committed(s) >= toTrain);
      second.destroy();
      assertThat(second.waitFor(60, TimeUnit.SECONDS)).as("a graceful stop on SIGTERM").isTrue();
    }

    long trained = HeldOutIds.trainedCount(s, "s-", SAMPLES);
    List<TrainerCheckpoint> checkpoints = checkpoints(s);
    assertThat(checkpoints).extracting(TrainerCheckpoint::getSamplesTrained).isSorted();
    assertThat(checkpoints.get(checkpoints.size() - 1).getSamplesTrained())
        .as("samples trained in the committed state = soft targets produced but held out").isEqualTo(trained);
    List<ModelVersion> versions = TopicReader.read(broker.bootstrapServers(), s.kafka().topics().studentModels().name(),
        ModelVersion::parseFrom)
        .stream().filter(v -> v.getModelName().equals(s.modelName())).toList(); // the fp32 lineage, not its variants
    assertThat(versions).hasSizeGreaterThanOrEqualTo(2);
    for (int i = 0; i < versions.size(); i++) {
      assertThat(versions.get(i).getVersion()).as("version %d", i).isEqualTo(i + 1L);
      assertThat(versions.get(i).getParentVersion()).isEqualTo((long) i);
    }
    assertThat(versions).extracting(ModelVersion::getSamplesSeen).isSorted();
    // the qdelta lineage chains across the kill: each version is a quantized update of the one
    // published before it, which the restarted trainer took from the last committed checkpoint
    List<ModelVersion> qdelta = TopicReader.read(broker.bootstrapServers(), s.kafka().topics().studentModels().name(),
        ModelVersion::parseFrom).stream().filter(v -> v.getModelName().equals(Variant.QDELTA.lineage(s.modelName())))
        .toList();
    assertThat(qdelta).extracting(ModelVersion::getVersion)
        .containsExactlyElementsOf(versions.stream().map(ModelVersion::getVersion).toList());
    for (int i = 1; i < qdelta.size(); i++) {
      assertThat(OnnxGraphReader.read(qdelta.get(i).getOnnx().toByteArray()).metadata())
          .as("qdelta v%d is an update of v%d", i + 1, i)
          .containsEntry(QuantizedUpdate.BASE_KEY, qdelta.get(i - 1).getSha256());
    }
    assertThat(versions.get(versions.size() - 1).getVersion())
        .isEqualTo(checkpoints.get(checkpoints.size() - 1).getPublishedVersion());
    assertThat(Files.readString(LOGS.resolve("trainer-2.log")))
        .as("the second trainer resumed from the first one's last commit")
        .contains(committedAtKill + " samples committed");
    System.out.printf("TrainerCrashIT: killed with %d of %d samples committed; %d versions, %d checkpoints%n",
        committedAtKill, SAMPLES, versions.size(), checkpoints.size());
  }

  @Test
  void aFencedTrainerExitsNonZeroAndItsSuccessorTrainsEverySoftTargetOnce() throws Exception {
    TrainerSettings s = TrainerSettings.read(ConfigReader.from(settings()));
    try (QuickTeacher teacher = new QuickTeacher(s.kafka())) {
      teacher.produce(0, SAMPLES / 2);
      Process first = startTrainer("fenced-1");
      await("the first trainer's first commit", () -> committed(s) > 0);

      // a second incarnation with the same transactional id fences the first, which learns it at
      // its next commit: it must stop for good and say so with its exit code, not linger as a
      // process whose liveness says fine while it no longer trains
      Process second = startTrainer("fenced-2");
      // the rest of the stream arrives once the second has fenced the first (it logs its start
      // after that), so that the first has something to commit
      await("the second trainer's start", () -> Files.exists(LOGS.resolve("fenced-2.log"))
          && Files.readString(LOGS.resolve("fenced-2.log")).contains("samples committed"));
      teacher.produce(SAMPLES / 2, SAMPLES);
      assertThat(first.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("the fenced trainer exits").isTrue();
      assertThat(first.exitValue()).isEqualTo(1);
      assertThat(Files.readString(LOGS.resolve("fenced-1.log"))).contains("training stopped");

      long toTrain = HeldOutIds.trainedCount(s, "s-", SAMPLES);
      await("every soft target in the committed state", () -> committed(s) >= toTrain);
      assertThat(second.isAlive()).isTrue();
      second.destroy();
      assertThat(second.waitFor(60, TimeUnit.SECONDS)).as("a graceful stop on SIGTERM").isTrue();
      assertThat(committed(s)).isEqualTo(toTrain);
      assertThat(checkpoints(s)).extracting(TrainerCheckpoint::getSamplesTrained).isSorted();
    }
  }
}
