package dev.distill.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class OpsServerTest {
  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesPrometheusMetricsWithJvmMetersAndTheServiceTag() throws Exception {
    PrometheusMeterRegistry registry = Metrics.newRegistry("unit");
    registry.counter("distill.unit.records").increment(3);
    try (OpsServer ops = OpsServer.start(0, registry)) {
      HttpResponse<String> r = get(ops.port(), "/metrics");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body())
          .contains("distill_unit_records_total{service=\"unit\"} 3.0")
          .contains("jvm_memory_used_bytes");
    }
  }

  @Test
  void readinessFollowsItsChecksAndAnswers503WithTheReason() throws Exception {
    AtomicBoolean running = new AtomicBoolean(false);
    try (OpsServer ops = OpsServer.start(0, Metrics.newRegistry("unit"))) {
      ops.liveness("process", () -> Health.up("alive"));
      ops.readiness("streams", () -> running.get() ? Health.up("RUNNING") : Health.down("REBALANCING"));

      HttpResponse<String> notReady = get(ops.port(), "/health/ready");
      assertThat(notReady.statusCode()).isEqualTo(503);
      assertThat(notReady.body()).contains("\"status\":\"DOWN\"").contains("REBALANCING");
      assertThat(get(ops.port(), "/health/live").statusCode()).isEqualTo(200);

      running.set(true);
      HttpResponse<String> ready = get(ops.port(), "/health/ready");
      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(ready.body()).endsWith("\"status\":\"UP\"}");
    }
  }

  @Test
  void unknownPathsAnswer404AsJson() throws Exception {
    try (OpsServer ops = OpsServer.start(0, Metrics.newRegistry("unit"))) {
      HttpResponse<String> r = get(ops.port(), "/nope");
      assertThat(r.statusCode()).isEqualTo(404);
      assertThat(r.body()).contains("\"code\":\"NOT_FOUND\"");
    }
  }

  @Test
  void clientsThatNeverFinishTheirRequestDoNotStarveTheProbes() throws Exception {
    try (OpsServer ops = OpsServer.start(0, Metrics.newRegistry("unit"))) {
      ops.liveness("process", () -> Health.up("alive"));
      java.util.List<java.net.Socket> slow = new java.util.ArrayList<>();
      try {
        // more stuck clients than the ops port has threads, each holding a half-sent request
        for (int i = 0; i < OpsServer.THREADS * 4; i++) {
          java.net.Socket s = new java.net.Socket("localhost", ops.port());
          s.getOutputStream().write("GET /health/live HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
          s.getOutputStream().flush();
          slow.add(s);
        }
        for (int i = 0; i < 10; i++) {
          HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + ops.port() + "/health/live"))
              .timeout(java.time.Duration.ofSeconds(OpsServer.IDLE_TIMEOUT_MS / 1000 - 1)).build(), HttpResponse.BodyHandlers.ofString());
          assertThat(r.statusCode()).isEqualTo(200);
        }
      } finally {
        for (java.net.Socket s : slow) {
          s.close();
        }
      }
    }
  }

  @Test
  void aBodyOrAnotherMethodIsRefusedWith405AndAHugeHeaderWith431() throws Exception {
    try (OpsServer ops = OpsServer.start(0, Metrics.newRegistry("unit"))) {
      HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + ops.port() + "/metrics"))
          .POST(HttpRequest.BodyPublishers.ofString("x".repeat(100_000))).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(post.statusCode()).isEqualTo(405);
      HttpResponse<String> huge = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + ops.port() + "/health/live"))
          .header("X-Big", "y".repeat(20_000)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(huge.statusCode()).isEqualTo(431);
    }
  }
}
