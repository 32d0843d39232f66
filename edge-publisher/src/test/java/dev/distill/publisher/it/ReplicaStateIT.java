package dev.distill.publisher.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.client.http.PublisherClient;
import dev.distill.client.sim.Students;
import dev.distill.contract.ota.OtaApi.Assignment;
import dev.distill.contract.proto.ModelVersion;
import dev.distill.kafka.EmbeddedKafka;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.platform.topics.Topics;
import dev.distill.publisher.PublisherConfig;
import dev.distill.publisher.PublisherService;
import dev.distill.publisher.TestPublishers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The publisher keeps no state of its own that Kafka does not also hold: a second replica
 * answers a device exactly as the first, and a replica that lost its disk rebuilds its
 * artifact store from the model archive topic.
 */
class ReplicaStateIT {
  @TempDir Path dir;

  PublisherConfig config(EmbeddedKafka broker, String replica) {
    return TestPublishers.config(dir, Map.of(KafkaSettings.BOOTSTRAP, broker.bootstrapServers(), KafkaSettings.PARTITIONS, "1",
        PublisherConfig.ARTIFACT_DIR, dir.resolve(replica).toString(), PublisherConfig.WAVES, "100%"));
  }

  @Test
  void aSecondReplicaAndARestartedOneWithoutItsDiskAnswerTheSameAssignmentAndArtifact() throws Exception {
    try (EmbeddedKafka broker = EmbeddedKafka.builder().dataDir(dir.resolve("kafka")).port(0).controllerPort(0).build().start()) {
      PublisherConfig a = config(broker, "a");
      byte[] v1 = Students.random(784, 8, 10, 1, 1);
      String token;
      Assignment first;
      try (PublisherService replicaA = PublisherService.start(a, Clock.systemUTC())) {
        TestPublishers.await("replica a ready", Duration.ofSeconds(60), replicaA::ready);
        Map<String, Object> p = new HashMap<>(a.kafka().clientProperties());
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MODEL_MAX_MESSAGE_BYTES);
        Topics topics = a.kafka().topics();
        try (KafkaProducer<String, ModelVersion> producer = new KafkaProducer<>(p, topics.studentModels().keySerde().serializer(),
            topics.studentModels().valueSerde().serializer())) {
          producer.send(new ProducerRecord<>(topics.studentModels().name(), "m", Students.version("m", 1, v1))).get();
        }
        PublisherClient clientA = client(replicaA);
        token = TestPublishers.admin(replicaA).register("dev-1", "m").token();
        TestPublishers.await("version 1 assigned", Duration.ofSeconds(60), () -> assignment(clientA, token).version() == 1);
        first = assignment(clientA, token);

        try (PublisherService replicaB = PublisherService.start(config(broker, "b"), Clock.systemUTC())) {
          TestPublishers.await("replica b ready", Duration.ofSeconds(60), replicaB::ready);
          PublisherClient clientB = client(replicaB);
          Assignment fromB = assignment(clientB, token);
          assertThat(fromB.version()).isEqualTo(1);
          assertThat(fromB.eventId()).isEqualTo(first.eventId());
          assertThat(fromB.sha256()).isEqualTo(first.sha256());
          assertDownloads(clientB, token, v1);
        }
      }

      try (Stream<Path> files = Files.walk(dir.resolve("a"))) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
      try (PublisherService restarted = PublisherService.start(a, Clock.systemUTC())) {
        TestPublishers.await("restarted replica ready", Duration.ofSeconds(60), restarted::ready);
        PublisherClient client = client(restarted);
        assertThat(assignment(client, token).eventId()).isEqualTo(first.eventId());
        assertDownloads(client, token, v1);
        assertThat(Files.exists(dir.resolve("a").resolve("sha256").resolve(Students.sha256(v1)))).isTrue();
      }
    }
  }

  PublisherClient client(PublisherService p) {
    return new PublisherClient(PublisherClient.newHttpClient(Executors.newSingleThreadExecutor()), p.apiUri());
  }

  static Assignment assignment(PublisherClient c, String token) {
    try {
      return c.assignment("dev-1", token);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  void assertDownloads(PublisherClient c, String token, byte[] expected) throws Exception {
    Path part = Files.createTempFile(dir, "dl", ".part");
    Files.delete(part);
    c.download(Students.sha256(expected), token, part, expected.length);
    assertThat(Files.readAllBytes(part)).isEqualTo(expected);
  }
}
