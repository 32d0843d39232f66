package dev.distill.publisher.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.client.sim.Students;
import dev.distill.publisher.PublisherConfig;
import dev.distill.publisher.PublisherService;
import dev.distill.publisher.TestPublishers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack: a delta flood, many concurrent requests for distinct (base, target) pairs. The
 * publisher computes at most its limit at once and answers the rest 429 with Retry-After, the
 * cache stays under its cap, and devices still download full artifacts meanwhile.
 */
class DeltaFloodTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final long CACHE = 2L << 20;
  @TempDir Path dir;

  @Test
  void aDeltaFloodGets429sWhileTheCacheStaysUnderItsCapAndFullDownloadsWork() throws Exception {
    try (PublisherService publisher = PublisherService.startInMemory(TestPublishers.config(dir, Map.of(
        PublisherConfig.DELTA_MAX_COMPUTATIONS, "1",
        PublisherConfig.DELTA_CACHE_BYTES, Long.toString(CACHE))), Clock.systemUTC())) {
      int versions = 12;
      List<String> shas = new ArrayList<>();
      for (int v = 1; v <= versions; v++) {
        byte[] onnx = Students.random(784, 200, 10, v, v); // about 630 kB, weights unrelated: slow deltas
        assertThat(publisher.ingest(Students.version("m", v, onnx), System.currentTimeMillis())).isTrue();
        shas.add(Students.sha256(onnx));
      }
      String token = JSON.readTree(send(publisher.adminUri(), "POST", "/v1/admin/devices", TestPublishers.ADMIN,
          "{\"deviceId\":\"d\",\"model\":\"m\"}").body()).get("token").asText();
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

      List<CompletableFuture<HttpResponse<String>>> flood = new ArrayList<>();
      for (int round = 0; round < 2; round++) {
        for (int t = 1; t < versions; t++) {
          for (int back = 1; back <= 3 && t - back >= 0; back++) {
            URI u = publisher.apiUri().resolve("/v1/artifacts/" + shas.get(t) + "/delta?from=" + shas.get(t - back));
            flood.add(http.sendAsync(HttpRequest.newBuilder(u).header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString()));
          }
        }
      }
      // meanwhile a device downloads every full artifact
      for (String sha : shas) {
        HttpResponse<byte[]> full = http.send(HttpRequest.newBuilder(publisher.apiUri().resolve("/v1/artifacts/" + sha))
            .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofByteArray());
        assertThat(full.statusCode()).isEqualTo(200);
        assertThat(Students.sha256(full.body())).isEqualTo(sha);
      }

      int ok = 0;
      int busy = 0;
      for (CompletableFuture<HttpResponse<String>> f : flood) {
        HttpResponse<String> r = f.join();
        assertThat(r.statusCode()).as(r.body()).isIn(200, 429);
        if (r.statusCode() == 429) {
          busy++;
          JsonNode body = JSON.readTree(r.body());
          assertThat(body.get("code").asText()).isEqualTo("TOO_MANY_REQUESTS");
          assertThat(body.get("message").asText()).isNotBlank();
          assertThat(r.headers().firstValueAsLong("Retry-After").orElse(0)).isPositive();
        } else {
          ok++;
        }
      }
      assertThat(busy).as("requests refused beyond the computation limit").isPositive();
      assertThat(ok).as("requests served").isPositive();
      assertThat(publisher.store().peakDeltasComputing()).as("computations at once (each holds two artifacts in memory)")
          .isEqualTo(1);
      assertThat(publisher.store().deltaCacheBytes()).isLessThanOrEqualTo(CACHE);
      try (Stream<Path> files = Files.list(dir.resolve("artifacts").resolve("deltas"))) {
        assertThat(files.mapToLong(p -> p.toFile().length()).sum()).isLessThanOrEqualTo(CACHE);
      }

      // outside the lineage window: no computation at all
      HttpResponse<String> far = send(publisher.apiUri(), "GET", "/v1/artifacts/" + shas.get(11) + "/delta?from=" + shas.get(0),
          token, null);
      assertThat(far.statusCode()).isEqualTo(404);
      assertThat(JSON.readTree(far.body()).get("code").asText()).isEqualTo("DELTA_UNAVAILABLE");
    }
  }

  static HttpResponse<String> send(URI base, String method, String path, String token, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + token)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
