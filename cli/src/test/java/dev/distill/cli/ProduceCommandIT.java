package dev.distill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.contract.data.Dataset;
import dev.distill.contract.data.Datasets;
import dev.distill.contract.proto.Sample;
import dev.distill.kafka.EmbeddedKafka;
import dev.distill.platform.topics.Topics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `distill produce` and `distill topics --count` against a real broker, as a user runs them. */
class ProduceCommandIT {
  @TempDir static Path dir;
  static EmbeddedKafka broker;

  @BeforeAll
  static void start() throws Exception {
    Datasets.ensureAvailable(Dataset.MNIST);
    broker = EmbeddedKafka.builder().dataDir(dir).port(0).controllerPort(0).build().start();
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  private static String run(String... args) {
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      int rc = Distill.commandLine().execute(args);
      assertThat(rc).as("exit code of distill %s", String.join(" ", args)).isZero();
    } finally {
      System.setOut(old);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }

  @Test
  void theMnistTestSplitLandsInTheTopicOncePerSampleWithTheRequestedLabelFraction() {
    String bs = broker.bootstrapServers();
    String out = run("produce", "--bootstrap-servers", bs, "--topic-prefix", "p1", "--dataset", "mnist",
        "--split", "test", "--limit", "10000", "--shuffle-seed", "7", "--label-fraction", "0.03");
    assertThat(out).contains("sent 10,000 samples");

    String counted = run("topics", "--bootstrap-servers", bs, "--topic-prefix", "p1", "--count", "p1.samples");
    assertThat(counted).contains("p1.samples: 10,000 records, 10,000 distinct keys");

    Topics topics = Topics.withPrefix("p1", 4);
    Map<String, Object> p = new HashMap<>(Map.of(
        "bootstrap.servers", bs, ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"));
    long labelled = 0;
    long seen = 0;
    try (KafkaConsumer<String, Sample> c = new KafkaConsumer<>(p,
        topics.samples().keySerde().deserializer(), topics.samples().valueSerde().deserializer())) {
      List<TopicPartition> tps = c.partitionsFor("p1.samples").stream()
          .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
      c.assign(tps);
      c.seekToBeginning(tps);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (seen < 10_000 && System.nanoTime() < deadline) {
        for (var r : c.poll(Duration.ofMillis(200))) {
          seen++;
          assertThat(r.key()).isEqualTo(r.value().getId()).startsWith("mnist-test-");
          assertThat(r.value().getFeatures().getShapeList()).containsExactly(28, 28);
          if (r.value().hasLabel()) {
            labelled++;
          }
        }
      }
    }
    assertThat(seen).isEqualTo(10_000);
    // 3% of 10,000 is 300; a binomial draw stays within +-75 (over 4 sigma) of it
    assertThat(labelled).isBetween(225L, 375L);
  }
}
