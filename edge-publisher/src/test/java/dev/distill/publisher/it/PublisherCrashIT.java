package dev.distill.publisher.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.client.http.AdminClient;
import dev.distill.client.http.PublisherClient;
import dev.distill.client.sim.Students;
import dev.distill.contract.ota.OtaApi.Assignment;
import dev.distill.contract.proto.ModelVersion;
import dev.distill.kafka.EmbeddedKafka;
import dev.distill.kafka.FreePorts;
import dev.distill.platform.config.ConfigReader;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.platform.topics.Topics;
import dev.distill.publisher.PublisherConfig;
import dev.distill.publisher.TestPublishers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The publisher as a real process ({@code PublisherMain} in a child JVM) killed with SIGKILL three
 * times and started again on the same topics and disk: after every start the device registry (each
 * device's token), the rollout state an operator left (paused, at its revision) and every device's
 * assignment are what they were; and it stops within 30 s of SIGTERM.
 */
class PublisherCrashIT {
  static final Path LOGS = Path.of("target", "publisher-crash-it");
  static final int DEVICES = 8;
  @TempDir Path dir;
  EmbeddedKafka broker;
  Process publisher;

  @AfterEach
  void stop() throws InterruptedException {
    if (publisher != null) {
      publisher.destroyForcibly().waitFor();
    }
    if (broker != null) {
      broker.close();
    }
  }

  Process start(Map<String, String> env) throws Exception {
    Files.createDirectories(LOGS);
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), "dev.distill.publisher.PublisherMain"));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(LOGS.resolve("publisher.log").toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("DISTILL_") || k.startsWith("KAFKA_"));
    pb.environment().putAll(env);
    return pb.start();
  }

  static boolean ready(int opsPort) {
    try {
      return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + opsPort + "/health/ready"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
    } catch (Exception e) {
      return false;
    }
  }

  @Test
  void aPublisherKilledThreeTimesComesBackWithItsDevicesRolloutAndAssignments() throws Exception {
    broker = EmbeddedKafka.builder().dataDir(dir.resolve("kafka")).port(0).controllerPort(0).build().start();
    int[] ports = FreePorts.pick(3);
    int api = ports[0];
    int admin = ports[1];
    int ops = ports[2];
    Map<String, String> env = new HashMap<>(Map.of(
        KafkaSettings.BOOTSTRAP, broker.bootstrapServers(), KafkaSettings.PARTITIONS, "1",
        PublisherConfig.PORT, Integer.toString(api), PublisherConfig.ADMIN_PORT, Integer.toString(admin),
        "DISTILL_HTTP_PORT", Integer.toString(ops), PublisherConfig.ADMIN_TOKEN, TestPublishers.ADMIN,
        PublisherConfig.SIGNING_KEY, dir.resolve("key.pem").toString(),
        PublisherConfig.ARTIFACT_DIR, dir.resolve("artifacts").toString(),
        PublisherConfig.WAVES, "50%,100%", "DISTILL_HOME", dir.resolve("home").toString()));
    publisher = start(env);
    TestPublishers.await("publisher ready", Duration.ofSeconds(90), () -> ready(ops));

    KafkaSettings kafka = KafkaSettings.read(ConfigReader.from(env));
    Topics topics = kafka.topics();
    Map<String, Object> p = new HashMap<>(kafka.clientProperties());
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MODEL_MAX_MESSAGE_BYTES);
    try (KafkaProducer<String, ModelVersion> producer = new KafkaProducer<>(p, topics.studentModels().keySerde().serializer(),
        topics.studentModels().valueSerde().serializer())) {
      for (long v = 1; v <= 2; v++) {
        producer.send(new ProducerRecord<>(topics.studentModels().name(), "m",
            Students.version("m", v, Students.random(784, 8, 10, v, v)))).get();
      }
    }
    HttpClient http = HttpClient.newHttpClient();
    AdminClient adminClient = new AdminClient(http, URI.create("http://localhost:" + admin), TestPublishers.ADMIN);
    PublisherClient devices = new PublisherClient(http, URI.create("http://localhost:" + api));
    Map<String, String> tokens = new LinkedHashMap<>();
    for (int i = 0; i < DEVICES; i++) {
      tokens.put("dev-" + i, adminClient.register("dev-" + i, "m").token());
    }
    TestPublishers.await("version 2 rolling out", Duration.ofSeconds(60), () -> {
      try {
        return adminClient.models().path("models").get(0).path("rollout").path("targetVersion").asLong() == 2;
      } catch (Exception e) {
        return false;
      }
    });
    JsonNode paused = adminClient.pause("m", "holding for the crash test");
    long revision = paused.path("revision").asLong();
    assertThat(paused.path("state").asText()).isEqualTo("PAUSED");
    Map<String, Long> before = assignments(devices, tokens);
    assertThat(before.values()).as("a paused two-wave rollout: its first wave on v2, the others not").contains(2L)
        .anyMatch(v -> v != 2L);

    for (int kill = 1; kill <= 3; kill++) {
      publisher.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      publisher = start(env);
      TestPublishers.await("publisher ready after kill " + kill, Duration.ofSeconds(90), () -> ready(ops));
      assertThat(assignments(devices, tokens)).as("assignments after kill %d", kill).isEqualTo(before);
      JsonNode rollout = adminClient.models().path("models").get(0).path("rollout");
      assertThat(rollout.path("state").asText()).isEqualTo("PAUSED");
      assertThat(rollout.path("revision").asLong()).as("no write lost or added by a kill").isEqualTo(revision);
      assertThat(adminClient.devices("m", null, null, false, null, 100).path("matching").asInt()).isEqualTo(DEVICES);
    }
    publisher.destroy();
    assertThat(publisher.waitFor(30, TimeUnit.SECONDS)).as("a graceful stop on SIGTERM").isTrue();
  }

  /** Every device's assigned version, asked with its own token (a lost registry would answer 401). */
  static Map<String, Long> assignments(PublisherClient devices, Map<String, String> tokens) throws Exception {
    Map<String, Long> out = new LinkedHashMap<>();
    for (var e : tokens.entrySet()) {
      Assignment a = devices.assignment(e.getKey(), e.getValue());
      out.put(e.getKey(), a.version());
    }
    return out;
  }
}
