package dev.distill.publisher.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.client.http.AdminClient;
import dev.distill.client.sim.Students;
import dev.distill.contract.ota.OtaApi.Assignment;
import dev.distill.publisher.PublisherConfig;
import dev.distill.publisher.PublisherService;
import dev.distill.publisher.TestClock;
import dev.distill.publisher.TestPublishers;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack: a stream flood. The publisher holds at most its cap of event streams and one per
 * device; streams beyond it get 429; every new stream gets a newly issued manifest.
 */
class StreamFloodTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final int CAP = 10;
  @TempDir Path dir;
  final TestClock clock = TestClock.system();
  final ExecutorService readers = Executors.newCachedThreadPool();
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  final List<HttpResponse<Stream<String>>> opened = new ArrayList<>();
  PublisherService publisher;
  AdminClient admin;

  @BeforeEach
  void start() throws Exception {
    publisher = PublisherService.startInMemory(TestPublishers.config(dir, Map.of(PublisherConfig.WAVES, "100%",
        PublisherConfig.MIN_WAVE_DURATION, "0s", PublisherConfig.WAVE_TIMEOUT, "30d",
        PublisherConfig.SSE_MAX_STREAMS, Integer.toString(CAP))), clock);
    admin = TestPublishers.admin(publisher);
  }

  @AfterEach
  void stop() {
    for (HttpResponse<Stream<String>> r : opened) {
      r.body().close();
    }
    readers.shutdownNow();
    publisher.close();
  }

  /** An open stream and its lines, read once. */
  record Sse(HttpResponse<Stream<String>> response, Iterator<String> lines) {
    int statusCode() {
      return response.statusCode();
    }
  }

  private Sse open(String device, String token) {
    HttpResponse<Stream<String>> r = http.sendAsync(HttpRequest.newBuilder(publisher.apiUri().resolve("/v1/devices/" + device + "/events"))
        .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream").build(),
        HttpResponse.BodyHandlers.ofLines()).orTimeout(10, TimeUnit.SECONDS).join();
    opened.add(r);
    return new Sse(r, r.body().iterator());
  }

  /** The first event's data, or null when the stream ends first. */
  private Assignment firstEvent(Sse r) throws Exception {
    return CompletableFuture.supplyAsync(() -> {
      Iterator<String> lines = r.lines();
      while (lines.hasNext()) {
        String line = lines.next();
        if (line.startsWith("data: ")) {
          try {
            return JSON.readValue(line.substring(6), Assignment.class);
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }
      }
      return null;
    }, readers).get(10, TimeUnit.SECONDS);
  }

  /** Reads a stream to its end: true when the server closed it within the wait. */
  private boolean ends(Sse r) throws Exception {
    return CompletableFuture.supplyAsync(() -> {
      r.lines().forEachRemaining(line -> { });
      return true;
    }, readers).get(10, TimeUnit.SECONDS);
  }

  @Test
  void aStreamFloodIsHeldToTheCapAndOneStreamPerDevice() throws Exception {
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < 3 * CAP; i++) {
      tokens.add(admin.register("d" + i, "m").token());
    }
    // every device at once
    List<CompletableFuture<HttpResponse<Stream<String>>>> flood = new ArrayList<>();
    for (int i = 0; i < tokens.size(); i++) {
      flood.add(http.sendAsync(HttpRequest.newBuilder(publisher.apiUri().resolve("/v1/devices/d" + i + "/events"))
          .header("Authorization", "Bearer " + tokens.get(i)).header("Accept", "text/event-stream").build(),
          HttpResponse.BodyHandlers.ofLines()));
    }
    int refused = 0;
    int accepted = -1;
    for (int i = 0; i < flood.size(); i++) {
      HttpResponse<Stream<String>> r = flood.get(i).orTimeout(10, TimeUnit.SECONDS).join();
      opened.add(r);
      if (r.statusCode() == 429) {
        refused++;
        JsonNode body = JSON.readTree(String.join("", r.body().toList()));
        assertThat(body.get("code").asText()).isEqualTo("TOO_MANY_REQUESTS");
        assertThat(r.headers().firstValueAsLong("Retry-After").orElse(0)).isPositive();
      } else {
        assertThat(r.statusCode()).isEqualTo(200);
        accepted = i;
      }
    }
    assertThat(refused).isGreaterThanOrEqualTo(2 * CAP);
    assertThat(publisher.view().deviceCount()).isEqualTo(3 * CAP);
    TestPublishers.await("the accepted streams registered", Duration.ofSeconds(5), () -> connected() == CAP);

    // one device opening stream after stream holds one place, even with every place taken
    Sse previous = null;
    for (int i = 0; i < 5; i++) {
      Sse again = open("d" + accepted, tokens.get(accepted));
      assertThat(again.statusCode()).isEqualTo(200);
      assertThat(firstEvent(again)).isNotNull();
      if (previous != null) {
        assertThat(ends(previous)).as("the device's previous stream is closed").isTrue();
      }
      previous = again;
    }
    assertThat(connected()).isEqualTo(CAP);
  }

  @Test
  void everyNewStreamGetsANewlyIssuedManifest() throws Exception {
    String t0 = admin.register("d0", "m").token();
    String t1 = admin.register("d1", "m").token();
    byte[] v1 = Students.random(784, 8, 10, 1, 1);
    publisher.ingest(Students.version("m", 1, v1, TestPublishers.trainer(dir)), clock.millis());
    TestPublishers.await("the rollout assigns v1", Duration.ofSeconds(10),
        () -> publisher.controller().assigner().target("d0", "m").version() == 1);
    assertThat(firstEvent(open("d0", t0)).version()).isEqualTo(1);

    clock.advance(Duration.ofHours(2)); // past the 1 h manifest lifetime
    Assignment later = firstEvent(open("d1", t1));
    assertThat(TestPublishers.verifier(publisher).verify(later.manifest(), "m", clock.instant(), java.util.Set.of()).version()).isEqualTo(1);
  }

  /** Streams open on the publisher, as its gauge says. */
  private int connected() {
    try {
      String metrics = http.send(HttpRequest.newBuilder(java.net.URI.create("http://localhost:" + publisher.opsPort() + "/metrics"))
          .build(), HttpResponse.BodyHandlers.ofString()).body();
      for (String line : metrics.split("\n")) {
        if (line.startsWith("distill_publisher_devices_connected")) { // then tags, a space and the value
          return (int) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
      return -1;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
