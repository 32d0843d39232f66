package dev.distill.scorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.distill.contract.model.TeacherStore;
import dev.distill.contract.proto.SoftTarget;
import dev.distill.contract.wire.Tensors;
import dev.distill.kafka.EmbeddedKafka;
import dev.distill.platform.topics.Topics;
import dev.distill.scorer.testing.CommittedRecords;
import dev.distill.scorer.testing.MnistStream;
import dev.distill.scorer.testing.Reference;
import dev.distill.scorer.sync.TeacherPush;
import dev.distill.scorer.testing.TestModels;
import dev.distill.scorer.topology.DeadLetters;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scorer service against a real broker, end to end, read as the trainer reads it (read_committed). */
class ScorerServiceIT {
  static final Duration PATIENCE = Duration.ofMinutes(2);
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

  /** Just under the producer's 1 MiB: the dead letter (this plus its reason headers) would not fit uncut. */
  static final int NEAR_LIMIT_BYTES = 1_048_400;

  /**
   * Sends samples [from, to) with a malformed record after every 100th: garbage, wrong shape, NaN,
   * oversized in turn; the first oversized one is just under the broker's record limit.
   */
  private static void sendWithMalformed(MnistStream stream, int from, int to) throws InterruptedException {
    for (int start = from; start < to; start += 100) {
      stream.send(start, start + 100, 0);
      int k = start / 100;
      float[] nan = new float[784];
      nan[k] = Float.NaN;
      byte[] bad = switch (k % 4) {
        case 0 -> new byte[] {(byte) 0xff, (byte) 0xff, (byte) k};
        case 1 -> stream.sample(k).toBuilder().setFeatures(Tensors.uint8(new byte[27 * 29], 27, 29)).build().toByteArray();
        case 2 -> stream.sample(k).toBuilder().setFeatures(Tensors.float32(nan, 28, 28)).build().toByteArray();
        default -> k == 3 ? new byte[NEAR_LIMIT_BYTES]
            : stream.sample(k).toBuilder().setFeatures(Tensors.float32(new float[2 * 784], 2, 784)).build().toByteArray();
      };
      RecordHeaders headers = new RecordHeaders();
      if (k == 3) {
        headers.add("origin", "a camera".getBytes(StandardCharsets.UTF_8));
      }
      stream.sendRaw("bad-" + k, bad, headers);
    }
  }

  @Test
  void tenThousandMnistSamplesAndAHundredMalformedGiveExactlyOneOutputEachAcrossAHotSwap() throws Exception {
    byte[] v1 = TestModels.mlp(11, 784, 64, 10);
    byte[] v2 = TestModels.mlp(12, 784, 32, 10);
    TeacherStore store = new TeacherStore(dir.resolve("teachers"));
    TestModels.publish(store, "mnist", v1);
    ScorerSettings settings = ScorerSettings.from(Map.of(
        "DISTILL_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
        "DISTILL_TOPIC_PREFIX", "it",
        "DISTILL_PARTITIONS", "4",
        "DISTILL_HTTP_PORT", "0",
        ScorerSettings.TEACHER_STORE, store.root().toString(),
        ScorerSettings.STATE_DIR, dir.resolve("state").toString(),
        ScorerSettings.TEACHER_POLL_INTERVAL, "200ms",
        ScorerSettings.ORT_THREADS, "1",
        ScorerSettings.MAX_SAMPLE_BYTES, "4096",
        ScorerSettings.APPLICATION_ID, "it-scorer"));
    Topics topics = settings.kafka().topics();
    String bootstrap = broker.bootstrapServers();

    List<ConsumerRecord<String, SoftTarget>> targets;
    List<ConsumerRecord<byte[], byte[]>> dead;
    try (ScorerService scorer = ScorerService.start(settings);
        MnistStream stream = new MnistStream(bootstrap, topics.samples().name(), "mnist-test");
        CommittedRecords<String, SoftTarget> softTargets = new CommittedRecords<>(bootstrap, topics.softTargets().name(),
            4, new StringDeserializer(), topics.softTargets().valueSerde().deserializer());
        CommittedRecords<byte[], byte[]> deadLetters = new CommittedRecords<>(bootstrap, topics.samplesDlq().name(),
            1, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      sendWithMalformed(stream, 0, 5_000);
      softTargets.awaitAtLeast(5_000, PATIENCE);
      TestModels.publish(store, "mnist", v2);
      CommittedRecords.await("teacher v2 in use", PATIENCE, () -> scorer.teacherVersion() == 2);
      sendWithMalformed(stream, 5_000, 10_000);

      softTargets.awaitAtLeast(10_000, PATIENCE);
      deadLetters.awaitAtLeast(100, PATIENCE);
      targets = softTargets.drainToEnd(PATIENCE);
      dead = deadLetters.drainToEnd(PATIENCE);

      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> ready = http.send(HttpRequest.newBuilder(
          URI.create("http://localhost:" + scorer.httpPort() + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
      String metrics = http.send(HttpRequest.newBuilder(
          URI.create("http://localhost:" + scorer.httpPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
      assertThat(metrics)
          .contains("distill_scorer_soft_targets_records_total{service=\"scorer\"} 10000.0")
          .contains("distill_scorer_dead_letters_records_total{reason=\"oversized\",service=\"scorer\"} 25.0")
          .contains("distill_scorer_teacher_version{service=\"scorer\",teacher=\"mnist\"} 2.0")
          .contains("distill_scorer_batch_size_records_count")
          .contains("kafka_stream_thread_")
          .containsPattern("distill_scorer_execution_provider\\{provider=\"(cpu|cuda)\",service=\"scorer\"} 1\\.0")
          .containsPattern("distill_scorer_execution_provider\\{provider=\"(cpu|cuda)\",service=\"scorer\"} 0\\.0");
    }

    Set<String> expectedIds = IntStream.range(0, 10_000).mapToObj(i -> String.format("mnist-test-%05d", i)).collect(Collectors.toSet());
    assertThat(targets).hasSize(10_000);
    assertThat(targets.stream().map(ConsumerRecord::key).collect(Collectors.toSet())).isEqualTo(expectedIds);

    try (MnistStream stream = new MnistStream(bootstrap, topics.samples().name(), "mnist-test");
        Reference r1 = new Reference(v1);
        Reference r2 = new Reference(v2)) {
      for (ConsumerRecord<String, SoftTarget> r : targets) {
        int i = Integer.parseInt(r.key().substring("mnist-test-".length()));
        SoftTarget t = r.value();
        assertThat(t.getTeacherVersion()).as(r.key()).isEqualTo(i < 5_000 ? "1" : "2");
        assertThat(t.getLabel()).isEqualTo(stream.sample(i).getLabel());
        double[] q = (i < 5_000 ? r1 : r2).soften(stream.features(i), 20.0);
        for (int c = 0; c < 10; c++) {
          assertThat((double) t.getProbs(c)).as("%s class %d", r.key(), c).isCloseTo(q[c], within(1e-6));
        }
      }
    }

    assertThat(dead).hasSize(100);
    assertThat(dead.stream().map(r -> new String(r.key(), StandardCharsets.UTF_8)).collect(Collectors.toSet()))
        .hasSize(100).allMatch(k -> k.startsWith("bad-"));
    Map<String, Long> reasons = dead.stream().collect(Collectors.groupingBy(
        r -> new String(r.headers().lastHeader(DeadLetters.REASON).value(), StandardCharsets.UTF_8),
        TreeMap::new, Collectors.counting()));
    assertThat(reasons).containsExactlyEntriesOf(new TreeMap<>(Map.of(
        "non-finite", 25L, "oversized", 25L, "undecodable", 25L, "wrong-shape", 25L)));
    assertThat(dead).allSatisfy(r -> assertThat(r.headers().lastHeader(DeadLetters.SOURCE_TOPIC).value())
        .asString(StandardCharsets.UTF_8).isEqualTo("it.samples"));
    List<ConsumerRecord<byte[], byte[]>> cut = dead.stream().filter(r -> r.headers().lastHeader(DeadLetters.TRUNCATED) != null).toList();
    assertThat(cut).as("only the record at the limit is cut").hasSize(1);
    ConsumerRecord<byte[], byte[]> nearLimit = cut.get(0);
    assertThat(new String(nearLimit.key(), StandardCharsets.UTF_8)).isEqualTo("bad-3");
    assertThat(nearLimit.headers().lastHeader(DeadLetters.TRUNCATED).value()).asString(StandardCharsets.UTF_8)
        .isEqualTo(Integer.toString(NEAR_LIMIT_BYTES));
    assertThat(nearLimit.headers().lastHeader(DeadLetters.VALUE_SHA256).value()).asString(StandardCharsets.UTF_8)
        .isEqualTo(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
            .digest(new byte[NEAR_LIMIT_BYTES])));
    assertThat(nearLimit.headers().lastHeader("origin").value()).asString(StandardCharsets.UTF_8).isEqualTo("a camera");
    assertThat(nearLimit.value().length).isBetween(DeadLetters.MAX_BYTES - 10_000, DeadLetters.MAX_BYTES);
  }

  @Test
  void withTeacherSyncAnEmptyStoreWaitsNotReadyThenScoresWithThePushedTeacherAndSwapsInTheNextPush() throws Exception {
    byte[] v1 = TestModels.mlp(21, 784, 32, 10);
    byte[] v2 = TestModels.mlp(22, 784, 16, 10);
    TeacherStore elsewhere = new TeacherStore(dir.resolve("pushed-from"));
    Path emptyStore = dir.resolve("synced-teachers");
    ScorerSettings settings = ScorerSettings.from(Map.of(
        "DISTILL_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
        "DISTILL_TOPIC_PREFIX", "synced",
        "DISTILL_PARTITIONS", "1",
        "DISTILL_HTTP_PORT", "0",
        ScorerSettings.TEACHER_SYNC, "true",
        ScorerSettings.TEACHER_STORE, emptyStore.toString(),
        ScorerSettings.STATE_DIR, dir.resolve("synced-state").toString(),
        ScorerSettings.TEACHER_POLL_INTERVAL, "200ms",
        ScorerSettings.ORT_THREADS, "1",
        ScorerSettings.APPLICATION_ID, "synced-scorer"));
    Topics topics = settings.kafka().topics();
    String bootstrap = broker.bootstrapServers();
    HttpClient http = HttpClient.newHttpClient();

    try (ScorerService scorer = ScorerService.start(settings);
        MnistStream stream = new MnistStream(bootstrap, topics.samples().name(), "synced");
        CommittedRecords<String, SoftTarget> softTargets = new CommittedRecords<>(bootstrap, topics.softTargets().name(),
            1, new StringDeserializer(), topics.softTargets().valueSerde().deserializer())) {
      URI readyUri = URI.create("http://localhost:" + scorer.httpPort() + "/health/ready");
      CommittedRecords.await("the teacher topic read to its end", PATIENCE, () -> get(http, readyUri).body()
          .contains("no version of teacher 'mnist' on synced.teachers yet: push one with `distill teacher push --id mnist`"));
      HttpResponse<String> waiting = get(http, readyUri);
      assertThat(waiting.statusCode()).isEqualTo(503);
      assertThat(get(http, URI.create("http://localhost:" + scorer.httpPort() + "/health/live")).statusCode())
          .as("waiting for a teacher is no reason to restart").isEqualTo(200);
      assertThat(scorer.teacherVersion()).isZero();
      stream.send(0, 200, 0); // waits in the topic until there is a teacher

      new TeacherPush(settings.kafka(), PATIENCE).push(TestModels.publish(elsewhere, "mnist", v1));
      CommittedRecords.await("ready with the pushed teacher", PATIENCE, () -> get(http, readyUri).statusCode() == 200);
      assertThat(scorer.teacherVersion()).isEqualTo(1);
      softTargets.awaitAtLeast(200, PATIENCE);

      new TeacherPush(settings.kafka(), PATIENCE).push(TestModels.publish(elsewhere, "mnist", v2));
      CommittedRecords.await("the second push in use", PATIENCE, () -> scorer.teacherVersion() == 2);
      stream.send(200, 400, 0);
      List<ConsumerRecord<String, SoftTarget>> targets = softTargets.awaitAtLeast(400, PATIENCE);

      try (Reference r1 = new Reference(v1); Reference r2 = new Reference(v2)) {
        for (ConsumerRecord<String, SoftTarget> r : targets) {
          int i = Integer.parseInt(r.key().substring("synced-".length()));
          SoftTarget t = r.value();
          assertThat(t.getTeacherVersion()).as(r.key()).isEqualTo(i < 200 ? "1" : "2");
          double[] q = (i < 200 ? r1 : r2).soften(stream.features(i), 20.0);
          assertThat((double) t.getProbs(3)).as(r.key()).isCloseTo(q[3], within(1e-6));
        }
      }
      String metrics = get(http, URI.create("http://localhost:" + scorer.httpPort() + "/metrics")).body();
      assertThat(metrics)
          .contains("distill_scorer_teacher_sync_installed_versions_total{service=\"scorer\",teacher=\"mnist\"} 2.0")
          .contains("distill_scorer_teacher_sync_rejected_versions_total{service=\"scorer\",teacher=\"mnist\"} 0.0");
    }
  }

  private static HttpResponse<String> get(HttpClient http, URI uri) {
    try {
      return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
