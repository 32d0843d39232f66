package dev.distill.publisher.it;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A deregistration is a tombstone in Kafka: a restarted replica does not bring the device or its token back. */
class DeregistrationIT {
  @TempDir Path dir;

  static int status(URI base, String method, String path, String token) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + token)
        .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  @Test
  void aDeregisteredDeviceStaysGoneAfterARestart() throws Exception {
    try (EmbeddedKafka broker = EmbeddedKafka.builder().dataDir(dir.resolve("kafka")).port(0).controllerPort(0).build().start()) {
      PublisherConfig config = TestPublishers.config(dir, Map.of(KafkaSettings.BOOTSTRAP, broker.bootstrapServers(),
          KafkaSettings.PARTITIONS, "1"));
      String token;
      try (PublisherService publisher = PublisherService.start(config, Clock.systemUTC())) {
        TestPublishers.await("publisher ready", Duration.ofSeconds(60), publisher::ready);
        token = TestPublishers.admin(publisher).register("dev-1", "m").token();
        TestPublishers.admin(publisher).register("dev-2", "m");
        assertThat(status(publisher.adminUri(), "DELETE", "/v1/admin/devices/dev-1", TestPublishers.ADMIN)).isEqualTo(204);
        assertThat(status(publisher.apiUri(), "GET", "/v1/devices/dev-1/assignment", token)).isEqualTo(401);
      }
      try (PublisherService restarted = PublisherService.start(config, Clock.systemUTC())) {
        TestPublishers.await("restarted publisher ready", Duration.ofSeconds(60), restarted::ready);
        assertThat(restarted.view().device("dev-2")).isPresent();
        assertThat(restarted.view().device("dev-1")).isEmpty();
        assertThat(status(restarted.apiUri(), "GET", "/v1/devices/dev-1/assignment", token)).isEqualTo(401);
        assertThat(status(restarted.adminUri(), "GET", "/v1/admin/devices/dev-1", TestPublishers.ADMIN)).isEqualTo(404);
      }
    }
  }
}
