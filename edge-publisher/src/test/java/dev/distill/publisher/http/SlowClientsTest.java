package dev.distill.publisher.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.publisher.PublisherService;
import dev.distill.publisher.TestPublishers;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slowloris on the device port: many clients that open a connection and never finish their
 * request hold no thread (Jetty reads without blocking), so devices and the admin port are
 * still answered while they hang on.
 */
class SlowClientsTest {
  @TempDir Path dir;

  @Test
  void clientsThatNeverFinishTheirRequestDoNotStopDevicesBeingAnswered() throws Exception {
    try (PublisherService publisher = PublisherService.startInMemory(TestPublishers.config(dir, Map.of()), Clock.systemUTC())) {
      String token = TestPublishers.admin(publisher).register("dev-1", "m").token();
      List<Socket> slow = new ArrayList<>();
      try {
        for (int i = 0; i < 200; i++) {
          Socket s = new Socket("localhost", publisher.apiUri().getPort());
          s.getOutputStream().write(("GET /v1/devices/dev-1/assignment HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
              + token.substring(0, 4)).getBytes(StandardCharsets.US_ASCII));
          s.getOutputStream().flush();
          slow.add(s);
        }
        HttpClient http = HttpClient.newHttpClient();
        for (int i = 0; i < 20; i++) {
          HttpResponse<String> r = http.send(HttpRequest.newBuilder(publisher.apiUri().resolve("/v1/devices/dev-1/assignment"))
              .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
          assertThat(r.statusCode()).isEqualTo(200);
        }
        HttpResponse<String> admin = http.send(HttpRequest.newBuilder(publisher.adminUri().resolve("/v1/admin/devices/dev-1"))
            .header("Authorization", "Bearer " + TestPublishers.ADMIN).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(admin.statusCode()).isEqualTo(200);
      } finally {
        for (Socket s : slow) {
          s.close();
        }
      }
    }
  }
}
