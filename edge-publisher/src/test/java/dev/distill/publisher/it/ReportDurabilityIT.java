package dev.distill.publisher.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.contract.proto.DeviceReport;
import dev.distill.kafka.EmbeddedKafka;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.publisher.PublisherConfig;
import dev.distill.publisher.PublisherService;
import dev.distill.publisher.TestPublishers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device's report is answered 202 only once Kafka has it; with the broker gone the device is
 * told 503 (and reports again later), within seconds, instead of a 202 for a report that is lost.
 */
class ReportDurabilityIT {
  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void a202MeansTheReportIsInKafkaAndWithoutABrokerTheDeviceIsTold503() throws Exception {
    EmbeddedKafka broker = EmbeddedKafka.builder().dataDir(dir.resolve("kafka")).port(0).controllerPort(0).build().start();
    PublisherConfig config = TestPublishers.config(dir, Map.of(KafkaSettings.BOOTSTRAP, broker.bootstrapServers(),
        KafkaSettings.PARTITIONS, "1", PublisherConfig.KAFKA_LOST_AFTER, "5s"));
    try (PublisherService publisher = PublisherService.start(config, Clock.systemUTC())) {
      TestPublishers.await("publisher ready", Duration.ofSeconds(60), publisher::ready);
      String token = TestPublishers.admin(publisher).register("dev-1", "m").token();
      String report = "{\"model\":\"m\",\"installedVersion\":0,\"status\":\"RUNNING\",\"inferenceCount\":5,"
          + "\"latencyP50Ms\":1.0,\"latencyP99Ms\":2.0,\"errorCount\":0,\"labelledCount\":0}";

      HttpResponse<String> stored = post(publisher, token, report);
      assertThat(stored.statusCode()).as(stored.body()).isEqualTo(202);
      List<DeviceReport> inKafka = TestPublishers.readFromStart(config, config.kafka().topics().deviceReports(), 1);
      assertThat(inKafka).singleElement().satisfies(r -> {
        assertThat(r.getDeviceId()).isEqualTo("dev-1");
        assertThat(r.getInferenceCount()).isEqualTo(5);
      });

      broker.close();
      long t = System.nanoTime();
      HttpResponse<String> refused = post(publisher, token, report);
      double seconds = (System.nanoTime() - t) / 1e9;
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
      assertThat(refused.body()).contains("STATE_UNAVAILABLE");
      // bounded by the report's own timeout (5 s) and the producer's max.block.ms (5 s), not a minute
      assertThat(seconds).as("seconds to the 503").isLessThan(30);

      // cut off from Kafka for longer than DISTILL_KAFKA_LOST_AFTER, the replica leaves the Service
      TestPublishers.await("readiness down", Duration.ofSeconds(60), () -> ready(publisher).statusCode() == 503);
      assertThat(ready(publisher).body()).contains("no answer from Kafka");
      assertThat(http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + publisher.opsPort() + "/health/live"))
          .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).as("alive all the same").isEqualTo(200);
    } finally {
      broker.close();
    }
  }

  private HttpResponse<String> ready(PublisherService p) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + p.opsPort() + "/health/ready")).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  private HttpResponse<String> post(PublisherService p, String token, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(p.apiUri().resolve("/v1/devices/dev-1/reports"))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
