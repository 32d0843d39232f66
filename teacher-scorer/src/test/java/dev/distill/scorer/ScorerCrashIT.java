package dev.distill.scorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.distill.contract.model.TeacherStore;
import dev.distill.contract.proto.SoftTarget;
import dev.distill.kafka.EmbeddedKafka;
import dev.distill.platform.topics.TopicAdmin;
import dev.distill.platform.topics.Topics;
import dev.distill.scorer.testing.CommittedRecords;
import dev.distill.scorer.testing.MnistStream;
import dev.distill.scorer.testing.Reference;
import dev.distill.scorer.testing.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scorer as a real process ({@link ScorerMain} in a child JVM), killed with SIGKILL twice:
 * once while samples wait in its batch buffer across commits, once in the middle of a stream.
 * Downstream ({@code read_committed}) there is still exactly one soft target per sample.
 */
class ScorerCrashIT {
  static final Duration PATIENCE = Duration.ofMinutes(2);
  static final String APPLICATION_ID = "crash-scorer";
  static final int BATCH = 100;

  private static final Logger log = LoggerFactory.getLogger(ScorerCrashIT.class);
  /** The children's logs outlive the test, for post-mortems. */
  static final Path LOGS = Path.of("target", "scorer-crash-it");

  @TempDir Path dir;
  EmbeddedKafka broker;
  Topics topics = Topics.withPrefix("crash", 2);
  final List<Process> children = new ArrayList<>();

  @BeforeEach
  void startBroker() throws IOException {
    Files.createDirectories(LOGS);
    try (var old = Files.list(LOGS)) {
      for (Path f : old.toList()) {
        Files.delete(f);
      }
    }
    broker = EmbeddedKafka.builder().dataDir(dir.resolve("kafka")).port(0).controllerPort(0)
        // a killed scorer's open transaction is aborted on timeout (its successor has another
        // transactional id); look for timed-out transactions every second instead of every ten
        .brokerProperty("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000")
        .build().start();
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (Process p : children) {
      p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    broker.close();
  }

  private Process startScorer(String name, TeacherStore store, String maxWait) throws IOException {
    Path tmp = Files.createDirectories(dir.resolve("tmp"));
    List<String> command = List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.io.tmpdir=" + tmp,
        "-cp", System.getProperty("java.class.path"), ScorerMain.class.getName());
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(LOGS.resolve(name + ".log").toFile()));
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("DISTILL_") || k.startsWith("KAFKA_"));
    env.putAll(Map.ofEntries(
        Map.entry("DISTILL_BOOTSTRAP_SERVERS", broker.bootstrapServers()),
        Map.entry("DISTILL_TOPIC_PREFIX", "crash"),
        Map.entry("DISTILL_PARTITIONS", "2"),
        Map.entry("DISTILL_HTTP_PORT", "0"),
        Map.entry("DISTILL_HOME", dir.resolve("home").toString()),
        Map.entry(ScorerSettings.APPLICATION_ID, APPLICATION_ID),
        Map.entry(ScorerSettings.TEACHER_STORE, store.root().toString()),
        Map.entry(ScorerSettings.STATE_DIR, dir.resolve("state").toString()),
        Map.entry(ScorerSettings.ORT_THREADS, "1"),
        Map.entry(ScorerSettings.MAX_BATCH, Integer.toString(BATCH)),
        Map.entry(ScorerSettings.MAX_WAIT, maxWait),
        // so that the group notices a killed member in seconds, not 45 s
        Map.entry("KAFKA_SESSION_TIMEOUT_MS", "6000"),
        Map.entry("KAFKA_HEARTBEAT_INTERVAL_MS", "1500"),
        Map.entry("KAFKA_TRANSACTION_TIMEOUT_MS", "5000")));
    Process p = pb.start();
    children.add(p);
    log.info("started {} as pid {} (log {})", name, p.pid(), LOGS.resolve(name + ".log"));
    return p;
  }

  private static void kill(Process p, CommittedRecords<?, ?> targets) throws InterruptedException {
    p.destroyForcibly(); // SIGKILL: no shutdown hook, no commit, no goodbye to the group
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    log.info("killed pid {} (exit {}) with {} soft targets committed so far", p.pid(), p.exitValue(), targets.records().size());
  }

  private Map<TopicPartition, Long> sampleEndOffsets(Admin admin) throws Exception {
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (int i = 0; i < 2; i++) {
      latest.put(new TopicPartition(topics.samples().name(), i), OffsetSpec.latest());
    }
    return admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).entrySet().stream()
        .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
  }

  private static Map<TopicPartition, Long> committedOffsets(Admin admin) throws Exception {
    return admin.listConsumerGroupOffsets(APPLICATION_ID).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
        .entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> {
          OffsetAndMetadata o = e.getValue();
          return o == null ? -1L : o.offset();
        }));
  }

  @Test
  void aScorerKilledTwiceStillGivesExactlyOneSoftTargetPerSample() throws Exception {
    byte[] model = TestModels.mlp(21, 784, 64, 10);
    TeacherStore store = new TeacherStore(dir.resolve("teachers"));
    TestModels.publish(store, "mnist", model);
    String bootstrap = broker.bootstrapServers();
    int total = 6_000;

    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap));
        MnistStream stream = new MnistStream(bootstrap, topics.samples().name(), "crash");
        CommittedRecords<String, SoftTarget> targets = new CommittedRecords<>(bootstrap, topics.softTargets().name(),
            2, new StringDeserializer(), topics.softTargets().valueSerde().deserializer())) {
      TopicAdmin.ensure(admin, topics, (short) 1);

      // 1. Full batches only (the wait is longer than the test): what is left of each partition
      //    waits in the buffer store, committed together with the input offsets. Then SIGKILL.
      Process first = startScorer("scorer-1", store, "10m");
      stream.send(0, 1_050, 0);
      Map<TopicPartition, Long> end = sampleEndOffsets(admin);
      int fullBatches = end.values().stream().mapToInt(n -> (int) (n / BATCH) * BATCH).sum();
      log.info("samples per partition {}: {} are scored in full batches, {} wait in the buffer", end, fullBatches, 1_050 - fullBatches);
      targets.awaitAtLeast(fullBatches, PATIENCE);
      CommittedRecords.await("the first scorer to commit every input offset", PATIENCE,
          () -> unchecked(() -> committedOffsets(admin).equals(end)));
      kill(first, targets);
      assertThat(targets.drainToEnd(PATIENCE)).as("the remainder only sat in the buffer").hasSize(fullBatches);

      // 2. A second scorer restores and scores that remainder, while new samples stream in;
      //    SIGKILL again in the middle of the stream, transactions open.
      Process second = startScorer("scorer-2", store, "50ms");
      Thread producer = new Thread(() -> unchecked(() -> {
        stream.send(1_050, total, 800);
        return null;
      }), "sample-producer");
      producer.start();
      targets.awaitAtLeast(3_000, PATIENCE);
      kill(second, targets);

      // 3. A third one finishes the stream and is stopped gracefully (SIGTERM).
      Process third = startScorer("scorer-3", store, "50ms");
      producer.join();
      targets.awaitAtLeast(total, PATIENCE);
      third.destroy();
      assertThat(third.waitFor(60, TimeUnit.SECONDS)).isTrue();

      List<ConsumerRecord<String, SoftTarget>> all = targets.drainToEnd(PATIENCE);
      Set<String> expected = IntStream.range(0, total).mapToObj(stream::id).collect(Collectors.toSet());
      assertThat(all).hasSize(total);
      assertThat(all.stream().map(ConsumerRecord::key).collect(Collectors.toSet())).isEqualTo(expected);
      Matcher restored = Pattern.compile("(\\d+) buffered sample\\(s\\) restored from the changelog")
          .matcher(Files.readString(LOGS.resolve("scorer-2.log")));
      int restoredBySecond = 0;
      while (restored.find()) {
        restoredBySecond += Integer.parseInt(restored.group(1));
      }
      assertThat(restoredBySecond).as("the second scorer restored exactly what the first one left buffered")
          .isEqualTo(1_050 - fullBatches);
      try (Reference ref = new Reference(model)) {
        for (ConsumerRecord<String, SoftTarget> r : all) {
          int i = Integer.parseInt(r.key().substring("crash-".length()));
          double[] q = ref.soften(stream.features(i), 20.0);
          for (int c = 0; c < 10; c++) {
            assertThat((double) r.value().getProbs(c)).as("%s class %d", r.key(), c).isCloseTo(q[c], within(1e-6));
          }
        }
      }
    }
  }

  private static <T> T unchecked(java.util.concurrent.Callable<T> c) {
    try {
      return c.call();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
