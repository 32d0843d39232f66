package dev.distill.publisher.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.client.sim.Students;
import dev.distill.contract.proto.CandidateDecision;
import dev.distill.publisher.PublisherService;
import dev.distill.publisher.TestPublishers;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The console's routes on an in-memory publisher: auth, the learning view, the event stream, the page. */
class ConsoleApiTest {
  @TempDir Path dir;
  PublisherService publisher;
  final HttpClient http = HttpClient.newHttpClient();
  final ObjectMapper json = new ObjectMapper();

  @BeforeEach
  void start() throws Exception {
    publisher = PublisherService.startInMemory(TestPublishers.config(dir, Map.of()), Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    publisher.close();
  }

  private HttpResponse<String> get(String path, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(publisher.adminUri().resolve(path)).timeout(Duration.ofSeconds(10));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void withoutKafkaThePipelineSaysItIsUnavailable() throws Exception {
    HttpResponse<String> r = get(ConsoleApi.PIPELINE, TestPublishers.ADMIN);
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode body = json.readTree(r.body());
    assertThat(body.get("available").asBoolean()).isFalse();
    assertThat(body.get("reason").asText()).contains("without Kafka");
  }

  @Test
  void theJsonRoutesNeedAnOperatorToken() throws Exception {
    for (String path : new String[] {ConsoleApi.PIPELINE, "/v1/admin/console/models/m/learning", ConsoleApi.EVENTS}) {
      HttpResponse<String> r = get(path, null);
      assertThat(r.statusCode()).as(path).isEqualTo(401);
      assertThat(json.readTree(r.body()).get("code").asText()).isEqualTo("MISSING_TOKEN");
      assertThat(get(path, "wrong-token-0123456789").statusCode()).as(path).isEqualTo(401);
    }
  }

  @Test
  void aViewerMayReadTheConsole() throws Exception {
    publisher.close();
    java.nio.file.Path tokens = dir.resolve("operators");
    java.nio.file.Files.writeString(tokens, "vera viewer " + java.util.HexFormat.of().formatHex(
        java.security.MessageDigest.getInstance("SHA-256").digest("viewer-token-0123456789".getBytes(
            java.nio.charset.StandardCharsets.UTF_8))) + "\n");
    publisher = PublisherService.startInMemory(TestPublishers.config(dir,
        Map.of(dev.distill.publisher.PublisherConfig.ADMIN_TOKENS, tokens.toString())), Clock.systemUTC());
    assertThat(get(ConsoleApi.PIPELINE, "viewer-token-0123456789").statusCode()).isEqualTo(200);
  }

  @Test
  void anUnknownModelIs404WithTheErrorShape() throws Exception {
    HttpResponse<String> r = get("/v1/admin/console/models/nope/learning", TestPublishers.ADMIN);
    assertThat(r.statusCode()).isEqualTo(404);
    JsonNode body = json.readTree(r.body());
    assertThat(body.get("code").asText()).isEqualTo("UNKNOWN_MODEL");
    assertThat(body.get("message").asText()).contains("nope");
  }

  @Test
  void theLearningViewShowsEachVersionsProvenanceAndTheGatesDecisionsNewestLast() throws Exception {
    publisher.ingest(Students.version("m", 1, Students.random(784, 8, 10, 1, 1), TestPublishers.trainer(dir)), 1234);
    publisher.candidates().add(CandidateDecision.newBuilder().setModelName("m").setDecidedAtMs(10)
        .setVerdict(CandidateDecision.Verdict.PUBLISH).setPublishedVersion(1).setReason("first")
        .putMetrics("validation_accuracy", 0.9).setSamplesSeen(500).setTrainer("trainer-a").build());
    publisher.candidates().add(CandidateDecision.newBuilder().setModelName("m").setDecidedAtMs(20)
        .setVerdict(CandidateDecision.Verdict.REJECT).setParentVersion(1).setReason("worse").build());

    HttpResponse<String> r = get("/v1/admin/console/models/m/learning", TestPublishers.ADMIN);
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode body = json.readTree(r.body());
    assertThat(body.get("model").asText()).isEqualTo("m");
    JsonNode v = body.get("versions").get(0);
    assertThat(v.get("version").asLong()).isEqualTo(1);
    assertThat(v.get("seenAtMs").asLong()).isEqualTo(1234);
    for (String field : new String[] {"parentVersion", "createdAtMs", "teacher", "temperature", "alpha", "architecture",
        "samplesSeen", "offsets", "metrics"}) {
      assertThat(v.has(field)).as(field).isTrue();
    }
    assertThat(v.get("teacher").asText()).contains("@");
    JsonNode c = body.get("candidates");
    assertThat(c).hasSize(2);
    assertThat(c.get(0).get("verdict").asText()).isEqualTo("PUBLISH");
    assertThat(c.get(0).get("publishedVersion").asLong()).isEqualTo(1);
    assertThat(c.get(0).get("metrics").get("validation_accuracy").asDouble()).isEqualTo(0.9);
    assertThat(c.get(0).get("samplesSeen").asLong()).isEqualTo(500);
    assertThat(c.get(0).get("trainer").asText()).isEqualTo("trainer-a");
    assertThat(c.get(1).get("verdict").asText()).isEqualTo("REJECT");
    assertThat(c.get(1).get("reason").asText()).isEqualTo("worse");
    assertThat(c.get(1).get("parentVersion").asLong()).isEqualTo(1);
    assertThat(c.get(1).get("decidedAtMs").asLong()).isEqualTo(20);
  }

  @Test
  void aModelKnownOnlyFromRejectedCandidatesHasALearningView() throws Exception {
    publisher.candidates().add(CandidateDecision.newBuilder().setModelName("fresh").setDecidedAtMs(5)
        .setVerdict(CandidateDecision.Verdict.NOT_JUDGED).build());
    JsonNode body = json.readTree(get("/v1/admin/console/models/fresh/learning", TestPublishers.ADMIN).body());
    assertThat(body.get("versions")).isEmpty();
    assertThat(body.get("candidates").get(0).get("verdict").asText()).isEqualTo("NOT_JUDGED");
  }

  @Test
  void theEventStreamSendsThePipelineAndAModelEventWhenAVersionArrives() throws Exception {
    try (ConsoleEvents events = new ConsoleEvents(http, publisher)) {
      assertThat(events.nextAfter("event: pipeline")).contains("\"available\":false");
      publisher.ingest(Students.version("m", 1, Students.random(784, 8, 10, 1, 1), TestPublishers.trainer(dir)),
          System.currentTimeMillis());
      assertThat(events.nextModelEvent()).isEqualTo("data: {\"model\":\"m\"}");
    }
  }

  @Test
  void consoleStreamsAreBoundedAndOneMoreIsRefusedWith429() throws Exception {
    java.util.List<HttpResponse<java.util.stream.Stream<String>>> open = new java.util.ArrayList<>();
    HttpRequest req = HttpRequest.newBuilder(publisher.adminUri().resolve(ConsoleApi.EVENTS))
        .header("Authorization", "Bearer " + TestPublishers.ADMIN).header("Accept", "text/event-stream").build();
    try {
      for (int i = 0; i < ConsoleApi.MAX_STREAMS; i++) {
        HttpResponse<java.util.stream.Stream<String>> r = http.send(req, HttpResponse.BodyHandlers.ofLines());
        assertThat(r.statusCode()).as("stream " + i).isEqualTo(200);
        open.add(r);
      }
      HttpResponse<String> refused = http.send(req, HttpResponse.BodyHandlers.ofString());
      assertThat(refused.statusCode()).isEqualTo(429);
      assertThat(json.readTree(refused.body()).get("code").asText()).isEqualTo("TOO_MANY_REQUESTS");
      assertThat(refused.headers().firstValue("Retry-After")).isPresent();
    } finally {
      open.forEach(r -> r.body().close());
    }
  }

  @Test
  void anEventStreamNeedsAcceptTextEventStream() throws Exception {
    HttpResponse<String> r = get(ConsoleApi.EVENTS, TestPublishers.ADMIN);
    assertThat(r.statusCode()).isEqualTo(406);
    assertThat(json.readTree(r.body()).get("code").asText()).isEqualTo("NOT_ACCEPTABLE");
  }

  @Test
  void thePageIsServedWithoutAToken() throws Exception {
    HttpResponse<String> page = get("/console/", null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("<html");
    assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
    HttpResponse<String> bare = get("/console", null);
    assertThat(bare.statusCode()).isIn(301, 302, 303, 307, 308);
    assertThat(bare.headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l).endsWith("/console/"));
  }
}
