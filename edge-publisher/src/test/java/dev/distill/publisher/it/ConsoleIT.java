package dev.distill.publisher.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.client.sim.Students;
import dev.distill.contract.proto.CandidateDecision;
import dev.distill.contract.proto.ModelVersion;
import dev.distill.contract.proto.SoftTarget;
import dev.distill.kafka.EmbeddedKafka;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.platform.ingest.KafkaClients;
import dev.distill.platform.topics.Topic;
import dev.distill.platform.topics.Topics;
import dev.distill.publisher.PublisherConfig;
import dev.distill.publisher.PublisherService;
import dev.distill.publisher.TestPublishers;
import dev.distill.publisher.console.ConsoleEvents;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console on a real broker: the pipeline as Kafka shows it (end offsets summed over
 * partitions, a group's lag, dead letters by their reason header, the teacher of the newest soft
 * target), the learning view from the student-models and candidates topics, and the page told
 * when a model's version arrives.
 */
class ConsoleIT {
  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void thePipelineAndTheLearningViewShowWhatIsOnTheTopics() throws Exception {
    try (EmbeddedKafka broker = EmbeddedKafka.builder().dataDir(dir.resolve("kafka")).port(0).controllerPort(0).build().start()) {
      PublisherConfig config = TestPublishers.config(dir, Map.of(KafkaSettings.BOOTSTRAP, broker.bootstrapServers(),
          KafkaSettings.PARTITIONS, "2"));
      KafkaSettings kafka = config.kafka();
      Topics topics = kafka.topics();
      try (PublisherService publisher = PublisherService.start(config, Clock.systemUTC())) {
        TestPublishers.await("publisher ready", Duration.ofSeconds(60), publisher::ready);
        // 3 samples on partition 0, 2 on partition 1: the bytes do not matter to the console
        try (KafkaProducer<String, byte[]> raw = new KafkaProducer<>(new HashMap<>(kafka.clientProperties()),
            new StringSerializer(), new ByteArraySerializer())) {
          for (int i = 0; i < 5; i++) {
            raw.send(new ProducerRecord<>(topics.samples().name(), i < 3 ? 0 : 1, "s" + i, new byte[] {1})).get();
          }
          ProducerRecord<String, byte[]> dead = new ProducerRecord<>(topics.samplesDlq().name(), "s9", new byte[] {0});
          dead.headers().add("distill.dlq.reason", "undecodable".getBytes(StandardCharsets.UTF_8));
          raw.send(dead).get();
          ProducerRecord<String, byte[]> dead2 = new ProducerRecord<>(topics.softTargetsDlq().name(), "s8", new byte[] {0});
          dead2.headers().add("distill.dlq.reason", "feature-count".getBytes(StandardCharsets.UTF_8));
          raw.send(dead2).get();
        }
        send(kafka, topics.softTargets(), "s0", SoftTarget.newBuilder().setSampleId("s0").setNumClasses(2)
            .setFeatures(dev.distill.contract.wire.Tensors.float32(new float[] {0.5f, 0.5f}, 2))
            .setTemperature(4f).addProbs(0.25f).addProbs(0.75f).setTeacherId("mnist-mlp").setTeacherVersion("3")
            .setScoredAtMs(777).build());
        // the scorer's group has read 2 of partition 0 and nothing of partition 1
        try (Admin admin = Admin.create(kafka.clientProperties())) {
          admin.alterConsumerGroupOffsets("distill-scorer",
              Map.of(new TopicPartition(topics.samples().name(), 0), new OffsetAndMetadata(2))).all().get(30, TimeUnit.SECONDS);
        }
        ConsoleEvents events = new ConsoleEvents(http, publisher);
        send(kafka, topics.studentModels(), "m", Students.version("m", 1, Students.random(784, 8, 10, 1, 1),
            TestPublishers.trainer(dir)));
        send(kafka, topics.candidates(), "m", CandidateDecision.newBuilder().setModelName("m").setDecidedAtMs(99)
            .setVerdict(CandidateDecision.Verdict.PUBLISH).setPublishedVersion(1).setReason("better").build());
        try (events) {
          // the version, or the decision: either tells the page to re-read the model
          assertThat(events.nextModelEvent()).isEqualTo("data: {\"model\":\"m\"}");
        }

        AtomicReference<JsonNode> pipeline = new AtomicReference<>();
        try {
          TestPublishers.await("the pipeline showing every record", Duration.ofSeconds(60), () -> {
            JsonNode p = getJson(publisher, "/v1/admin/console/pipeline");
            pipeline.set(p);
            // a reading taken before the last record was written may come first: wait for one after
            return p.path("available").asBoolean() && stage(p, "samples").path("endOffset").asLong() == 5
                && stage(p, "student-models").path("endOffset").asLong() >= 1
                && stage(p, "candidates").path("endOffset").asLong() == 1
                && p.path("deadLetters").path("total").asLong() == 2 && !p.path("teacher").isNull()
                && p.path("consumers").size() > 0;
          });
        } catch (AssertionError e) {
          throw new AssertionError(e.getMessage() + "; the last answer: " + pipeline.get(), e);
        }
        JsonNode p = pipeline.get();
        assertThat(p.path("intervalMs").asLong()).isEqualTo(2000);
        assertThat(stage(p, "samples").path("topic").asText()).isEqualTo(topics.samples().name());
        assertThat(stage(p, "soft-targets").path("endOffset").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(stage(p, "student-models").path("endOffset").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(stage(p, "candidates").path("endOffset").asLong()).isEqualTo(1);
        assertThat(stage(p, "samples.dlq").path("endOffset").asLong()).isEqualTo(1);
        assertThat(stage(p, "soft-targets.dlq").path("endOffset").asLong()).isEqualTo(1);
        JsonNode scorer = null;
        for (JsonNode c : p.path("consumers")) {
          if (c.path("group").asText().equals("distill-scorer")) {
            scorer = c;
          }
        }
        assertThat(scorer).as("the scorer's group").isNotNull();
        assertThat(scorer.path("topic").asText()).isEqualTo(topics.samples().name());
        assertThat(scorer.path("committed").asLong()).isEqualTo(2);
        assertThat(scorer.path("lag").asLong()).isEqualTo(1 + 2);
        assertThat(p.path("deadLetters").path("byReason").path("undecodable").asLong()).isEqualTo(1);
        assertThat(p.path("deadLetters").path("byReason").path("feature-count").asLong()).isEqualTo(1);
        JsonNode teacher = p.path("teacher");
        assertThat(teacher.path("id").asText()).isEqualTo("mnist-mlp");
        assertThat(teacher.path("version").asText()).isEqualTo("3");
        assertThat(teacher.path("temperature").asDouble()).isEqualTo(4.0);
        assertThat(teacher.path("scoredAtMs").asLong()).isEqualTo(777);

        AtomicReference<JsonNode> learning = new AtomicReference<>();
        TestPublishers.await("the learning view", Duration.ofSeconds(60), () -> {
          JsonNode l = getJson(publisher, "/v1/admin/console/models/m/learning");
          learning.set(l);
          return l.path("versions").size() == 1 && l.path("candidates").size() == 1;
        });
        JsonNode l = learning.get();
        assertThat(l.path("versions").get(0).path("version").asLong()).isEqualTo(1);
        assertThat(l.path("candidates").get(0).path("verdict").asText()).isEqualTo("PUBLISH");
        assertThat(l.path("candidates").get(0).path("reason").asText()).isEqualTo("better");
      }
    }
  }

  private static <V> void send(KafkaSettings kafka, Topic<String, V> topic, String key, V value) throws Exception {
    try (KafkaProducer<String, V> producer = KafkaClients.producer(kafka, topic, "console-it")) {
      producer.send(new ProducerRecord<>(topic.name(), key, value)).get(30, TimeUnit.SECONDS);
    }
  }

  private static JsonNode stage(JsonNode pipeline, String name) {
    for (JsonNode s : pipeline.path("stages")) {
      if (s.path("name").asText().equals(name)) {
        return s;
      }
    }
    throw new AssertionError("no stage " + name + " in " + pipeline);
  }

  private JsonNode getJson(PublisherService publisher, String path) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(publisher.adminUri().resolve(path))
          .header("Authorization", "Bearer " + TestPublishers.ADMIN).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      return json.readTree(r.body());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
