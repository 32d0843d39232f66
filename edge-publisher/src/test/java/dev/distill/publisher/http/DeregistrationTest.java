package dev.distill.publisher.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.client.http.AdminClient;
import dev.distill.publisher.PublisherService;
import dev.distill.publisher.TestPublishers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DELETE /v1/admin/devices/{id}: the token stops working, the stream closes, the device is 404 after. */
class DeregistrationTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  HttpResponse<String> send(URI base, String method, String path, String token) throws Exception {
    return http.send(HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + token)
        .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aDeregisteredDeviceLosesItsTokenAndItsStreamAndIsGone() throws Exception {
    try (PublisherService publisher = PublisherService.startInMemory(TestPublishers.config(dir, Map.of()), Clock.systemUTC())) {
      AdminClient admin = TestPublishers.admin(publisher);
      String token = admin.register("dev-1", "m").token();
      String other = admin.register("dev-2", "m").token();
      HttpResponse<Stream<String>> stream = http.send(HttpRequest.newBuilder(publisher.apiUri().resolve("/v1/devices/dev-1/events"))
          .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream").build(),
          HttpResponse.BodyHandlers.ofLines());
      assertThat(stream.statusCode()).isEqualTo(200);
      Iterator<String> lines = stream.body().iterator();
      CompletableFuture<Void> ended = CompletableFuture.runAsync(() -> lines.forEachRemaining(l -> { }));

      assertThat(send(publisher.adminUri(), "DELETE", "/v1/admin/devices/dev-1", TestPublishers.ADMIN).statusCode()).isEqualTo(204);

      ended.get(10, TimeUnit.SECONDS); // the open stream is closed
      HttpResponse<String> assignment = send(publisher.apiUri(), "GET", "/v1/devices/dev-1/assignment", token);
      assertThat(assignment.statusCode()).isEqualTo(401);
      assertThat(JSON.readTree(assignment.body()).get("code").asText()).isEqualTo("INVALID_TOKEN");
      HttpResponse<String> gone = send(publisher.adminUri(), "GET", "/v1/admin/devices/dev-1", TestPublishers.ADMIN);
      assertThat(gone.statusCode()).isEqualTo(404);
      assertThat(JSON.readTree(gone.body()).get("code").asText()).isEqualTo("UNKNOWN_DEVICE");
      assertThat(send(publisher.adminUri(), "DELETE", "/v1/admin/devices/dev-1", TestPublishers.ADMIN).statusCode()).isEqualTo(404);
      assertThat(send(publisher.apiUri(), "GET", "/v1/devices/dev-2/assignment", other).statusCode()).as("others unaffected")
          .isEqualTo(200);

      String again = admin.register("dev-1", "m").token();
      assertThat(send(publisher.apiUri(), "GET", "/v1/devices/dev-1/assignment", again).statusCode()).isEqualTo(200);
      assertThat(send(publisher.apiUri(), "GET", "/v1/devices/dev-1/assignment", token).statusCode()).isEqualTo(401);
    }
  }
}
