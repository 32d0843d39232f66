package dev.distill.scorer.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.contract.model.Preprocess;
import dev.distill.contract.model.TeacherStore;
import dev.distill.contract.model.TeacherVersion;
import dev.distill.contract.wire.TeacherRecords;
import dev.distill.kafka.EmbeddedKafka;
import dev.distill.platform.config.ConfigReader;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.scorer.importer.TeacherImport;
import dev.distill.scorer.importer.TeacherImporter;
import dev.distill.scorer.testing.Fixtures;
import dev.distill.scorer.testing.TestModels;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A teacher pushed to the real broker is rebuilt, byte for byte, in a scorer's empty store. */
class TeacherSyncIT {
  static final Duration PATIENCE = Duration.ofSeconds(60);
  @TempDir static Path dir;
  static EmbeddedKafka broker;

  @BeforeAll
  static void startBroker() {
    broker = EmbeddedKafka.builder().dataDir(dir.resolve("kafka")).port(0).controllerPort(0).build().start();
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  private static KafkaSettings kafka(String bootstrap, String prefix) {
    ConfigReader r = ConfigReader.from(Map.of(KafkaSettings.BOOTSTRAP, bootstrap, KafkaSettings.TOPIC_PREFIX, prefix));
    KafkaSettings k = KafkaSettings.read(r);
    r.validate();
    return k;
  }

  private static void assertSameFiles(Path installed, Path original) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(original)) {
      files = s.sorted().toList();
    }
    try (Stream<Path> s = Files.list(installed)) {
      assertThat(s.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrderElementsOf(files.stream().map(p -> p.getFileName().toString()).toList());
    }
    for (Path f : files) {
      assertThat(installed.resolve(f.getFileName().toString())).as(f.getFileName().toString())
          .hasBinaryContent(Files.readAllBytes(f));
    }
  }

  @Test
  void pushedVersionsAreInstalledByteIdenticalFromTheStartAndWhileRunning() throws Exception {
    TeacherStore local = new TeacherStore(dir.resolve("local-teachers"));
    TeacherVersion v1 = new TeacherImporter(Clock.systemUTC()).importInto(local,
        TeacherImport.of("fashion", Fixtures.path("fashion-cnn.onnx"))
            .withPreprocess("image", Preprocess.parse(Fixtures.FASHION_PREPROCESS))
            .withClassNames(Files.readAllLines(Fixtures.path("fashion-classes.txt"))));
    KafkaSettings kafka = kafka(broker.bootstrapServers(), "sync1");
    // 16 KiB chunks: the 37 KB fixture travels in three
    TeacherPush.Summary first = new TeacherPush(kafka, PATIENCE, 16 * 1024, Clock.systemUTC()).push(v1);
    assertThat(first.files()).extracting(TeacherPush.PushedFile::name).containsExactly("member-0.onnx", "teacher.json");
    assertThat(first.files().get(0).chunks()).isEqualTo(3);
    assertThat(first.topic()).isEqualTo("sync1.teachers");

    Path store = dir.resolve("scorer-teachers");
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (TeacherSync sync = TeacherSync.start(kafka, kafka.topics(), store, "fashion", registry)) {
      assertThat(sync.awaitCaughtUp(PATIENCE)).isTrue();
      // installed before the caught-up point: what was on the topic at the start is there
      assertSameFiles(store.resolve("fashion/v1"), v1.dir());
      assertThat(sync.liveness().up()).isTrue();

      // a larger second version in the default 512 KiB chunks, pushed while the sync runs
      TeacherVersion v2 = TestModels.publish(local, "fashion", TestModels.mlp(3, 784, 256, 10));
      assertThat(TeacherPush.find(local, "fashion", OptionalInt.empty()).version()).isEqualTo(2);
      TeacherPush.Summary second = new TeacherPush(kafka, PATIENCE).push(v2);
      assertThat(second.chunks()).isEqualTo(1 + TeacherRecords.chunkCount(Files.size(v2.members().get(0)),
          TeacherRecords.CHUNK_BYTES)).isGreaterThan(2);
      assertThat(sync.awaitInstalled(1, PATIENCE)).isTrue();
      assertSameFiles(store.resolve("fashion/v2"), v2.dir());
      assertThat(new TeacherStore(store).latest("fashion")).hasValueSatisfying(v -> assertThat(v.version()).isEqualTo(2));

      // pushing v1 again changes nothing
      new TeacherPush(kafka, PATIENCE).push(TeacherPush.find(local, "fashion", OptionalInt.of(1)));
      Thread.sleep(1000);
      assertThat(sync.installedVersions()).isEqualTo(2);
      assertThat(registry.get(TeacherSync.REJECTED).counter().count()).isZero();
      assertThat(registry.get(TeacherSync.RECEIVED).counter().count()).isGreaterThan(2.0 * Files.size(v1.members().get(0)));
    }
  }

  @Test
  void aMissingVersionOrAnUnreachableKafkaIsOneClearSentence() {
    TeacherStore local = new TeacherStore(dir.resolve("other-teachers"));
    TestModels.publish(local, "mnist", TestModels.mlp(1, 784, 8, 10));

    assertThatThrownBy(() -> TeacherPush.find(local, "mnist", OptionalInt.of(4)))
        .isInstanceOf(TeacherPushException.class).hasMessage("teacher 'mnist' has no v4 in " + local.root() + "; it has v1");
    assertThatThrownBy(() -> TeacherPush.find(local, "fashion", OptionalInt.empty()))
        .hasMessageStartingWith("no usable teacher 'fashion' in " + local.root());

    TeacherVersion v1 = TeacherPush.find(local, "mnist", OptionalInt.empty());
    assertThatThrownBy(() -> new TeacherPush(kafka("localhost:1", "nowhere"), Duration.ofSeconds(2)).push(v1))
        .isInstanceOf(TeacherPushException.class).hasMessageStartingWith("cannot reach Kafka at localhost:1 within 2 s");
  }
}
