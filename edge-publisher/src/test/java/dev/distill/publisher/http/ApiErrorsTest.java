package dev.distill.publisher.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.client.sim.Students;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real server in-process (state in memory): every bad request gets its 4xx and {code, message}. */
class ApiErrorsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String ADMIN = TestPublishers.ADMIN;
  @TempDir static Path dir;
  static PublisherService publisher;
  static HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  static String tokenA;
  static String tokenB;
  static String sha;
  static byte[] artifact;

  @BeforeAll
  static void start() throws Exception {
    publisher = PublisherService.startInMemory(TestPublishers.config(dir, Map.of()), Clock.systemUTC());
    artifact = Students.random(784, 8, 10, 1, 1);
    sha = Students.sha256(artifact);
    assertThat(publisher.ingest(Students.version("m", 1, artifact), System.currentTimeMillis())).isTrue();
    tokenA = JSON.readTree(send("POST", "/v1/admin/devices", ADMIN, "{\"deviceId\":\"a\",\"model\":\"m\"}").body()).get("token").asText();
    tokenB = JSON.readTree(send("POST", "/v1/admin/devices", ADMIN, "{\"deviceId\":\"b\",\"model\":\"m\"}").body()).get("token").asText();
  }

  @AfterAll
  static void stop() {
    publisher.close();
  }

  /** Sends to the admin port for {@code /v1/admin/...}, to the device port otherwise. */
  static HttpResponse<String> send(String method, String path, String token, String body, String... headers) throws Exception {
    URI base = path.startsWith("/v1/admin/") ? publisher.adminUri() : publisher.apiUri();
    return sendTo(base, method, path, token, body, headers);
  }

  static HttpResponse<String> sendTo(URI base, String method, String path, String token, String body, String... headers)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path))
        .timeout(Duration.ofSeconds(10))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static void expect(HttpResponse<String> r, int status, String code) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    JsonNode n = JSON.readTree(r.body());
    assertThat(n.get("code").asText()).isEqualTo(code);
    assertThat(n.get("message").asText()).isNotBlank();
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
  }

  @Test
  void malformedJsonIs400() throws Exception {
    expect(send("POST", "/v1/admin/devices", ADMIN, "{\"deviceId\": "), 400, "MALFORMED_JSON");
    expect(send("POST", "/v1/admin/devices", ADMIN, "[1,2]"), 400, "MALFORMED_JSON");
  }

  @Test
  void anInvalidFieldIs400AndNamesTheField() throws Exception {
    HttpResponse<String> r = send("POST", "/v1/admin/devices", ADMIN, "{\"deviceId\":\"no spaces allowed\",\"model\":\"m\"}");
    expect(r, 400, "INVALID_FIELD");
    assertThat(r.body()).contains("deviceId");
    expect(send("POST", "/v1/devices/a/reports", tokenA, "{\"status\":\"EXPLODED\"}"), 400, "INVALID_FIELD");
    expect(send("POST", "/v1/devices/a/reports", tokenA, "{\"status\":\"RUNNING\",\"accuracy\":1.5}"), 400, "INVALID_FIELD");
    expect(send("POST", "/v1/devices/a/reports", tokenA, "{\"status\":\"RUNNING\",\"installedVersion\":\"seven\"}"), 400, "INVALID_FIELD");
  }

  @Test
  void aMissingOrWrongTokenIs401() throws Exception {
    expect(send("GET", "/v1/devices/a/assignment", null, null), 401, "MISSING_TOKEN");
    expect(send("GET", "/v1/devices/a/assignment", "not-a-token", null), 401, "INVALID_TOKEN");
    expect(send("GET", "/v1/admin/models", tokenA, null), 401, "INVALID_TOKEN");
    expect(send("GET", "/v1/admin/models", null, null, "Authorization", "Basic YTpi"), 401, "INVALID_TOKEN");
  }

  @Test
  void aDeviceReadsOnlyItsOwnAssignmentAndReports() throws Exception {
    assertThat(send("GET", "/v1/devices/a/assignment", tokenA, null).statusCode()).isEqualTo(200);
    expect(send("GET", "/v1/devices/b/assignment", tokenA, null), 403, "FORBIDDEN");
    expect(send("GET", "/v1/devices/b/reports", tokenA, null), 403, "FORBIDDEN");
    expect(send("POST", "/v1/devices/b/reports", tokenA, "{\"status\":\"RUNNING\"}"), 403, "FORBIDDEN");
  }

  @Test
  void anUnknownDeviceModelVersionOrArtifactIs404() throws Exception {
    expect(send("GET", "/v1/devices/nobody/assignment", ADMIN, null), 404, "UNKNOWN_DEVICE");
    expect(send("GET", "/v1/devices/nobody/assignment", tokenA, null), 404, "UNKNOWN_DEVICE");
    expect(send("GET", "/v1/admin/models/nomodel/versions", ADMIN, null), 404, "UNKNOWN_MODEL");
    expect(send("POST", "/v1/admin/models/m/rollouts", ADMIN, "{\"version\":99}"), 404, "UNKNOWN_VERSION");
    expect(send("GET", "/v1/artifacts/" + "0".repeat(64), tokenA, null), 404, "UNKNOWN_ARTIFACT");
    expect(send("GET", "/v1/artifacts/" + sha + "/delta?from=" + "0".repeat(64), tokenA, null), 404, "DELTA_UNAVAILABLE");
    expect(send("GET", "/v1/nothing-here", ADMIN, null), 404, "NOT_FOUND");
  }

  @Test
  void aBadArtifactNameIs400() throws Exception {
    expect(send("GET", "/v1/artifacts/ABC", tokenA, null), 400, "INVALID_FIELD");
    expect(send("GET", "/v1/artifacts/" + sha + "/delta?from=xyz", tokenA, null), 400, "INVALID_FIELD");
  }

  @Test
  void anOversizedBodyIs413WithoutBeingRead() throws Exception {
    String big = "{\"deviceId\":\"" + "x".repeat(10_000) + "\"}";
    expect(send("POST", "/v1/admin/devices", ADMIN, big), 413, "BODY_TOO_LARGE");
    expect(send("POST", "/v1/devices/a/reports", tokenA, big), 413, "BODY_TOO_LARGE");
  }

  @Test
  void aBadRangeIs416AndAGoodOneIs206() throws Exception {
    expect(send("GET", "/v1/artifacts/" + sha, tokenA, null, "Range", "bytes=" + artifact.length + "-"), 416, "INVALID_RANGE");
    expect(send("GET", "/v1/artifacts/" + sha, tokenA, null, "Range", "bytes=5-2"), 416, "INVALID_RANGE");
    expect(send("GET", "/v1/artifacts/" + sha, tokenA, null, "Range", "lines=1-2"), 416, "INVALID_RANGE");
    expect(send("GET", "/v1/artifacts/" + sha, tokenA, null, "Range", "bytes=0-1,4-5"), 416, "INVALID_RANGE");

    HttpResponse<byte[]> part = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + publisher.apiPort()
        + "/v1/artifacts/" + sha)).header("Authorization", "Bearer " + tokenA).header("Range", "bytes=10-19").build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(part.statusCode()).isEqualTo(206);
    assertThat(part.headers().firstValue("Content-Range")).contains("bytes 10-19/" + artifact.length);
    assertThat(part.body()).isEqualTo(java.util.Arrays.copyOfRange(artifact, 10, 20));
    assertThat(send("GET", "/v1/artifacts/" + sha, tokenA, null, "If-None-Match", "\"" + sha + "\"").statusCode()).isEqualTo(304);
  }

  @Test
  void theWrongMediaTypeIs415AndAnEventStreamWithoutAcceptIs406() throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(publisher.adminUri().resolve("/v1/admin/devices"))
        .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "text/plain")
        .POST(HttpRequest.BodyPublishers.ofString("deviceId=c")).build(), HttpResponse.BodyHandlers.ofString());
    expect(r, 415, "UNSUPPORTED_MEDIA_TYPE");
    expect(send("GET", "/v1/devices/a/events", tokenA, null), 406, "NOT_ACCEPTABLE");
  }

  @Test
  void registeringTwiceIs409AndRolloutConflictsAre409() throws Exception {
    expect(send("POST", "/v1/admin/devices", ADMIN, "{\"deviceId\":\"a\",\"model\":\"m\"}"), 409, "DEVICE_EXISTS");
    send("POST", "/v1/admin/models/m/rollouts", ADMIN, "{\"version\":1}");
    send("POST", "/v1/admin/models/m/rollout/abort", ADMIN, null);
    expect(send("POST", "/v1/admin/models/m/rollout/resume", ADMIN, null), 409, "ROLLOUT_CONFLICT");
    expect(send("POST", "/v1/admin/models/m/rollouts", ADMIN, "{\"version\":1,\"waves\":[0.5,0.2]}"), 400, "INVALID_FIELD");
  }

  @Test
  void theKeysAreServedWithoutAToken() throws Exception {
    HttpResponse<String> r = send("GET", "/v1/keys", null, null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(r.body()).get("keys").get(0).get("keyId").asText()).isEqualTo(publisher.keyId());
  }

  @Test
  void theAdminApiAnswersOnlyOnItsOwnPort() throws Exception {
    assertThat(publisher.adminUri().getPort()).isNotEqualTo(publisher.apiPort());
    // not on the device port, even with the admin token: an Ingress in front of it exposes no admin call
    HttpResponse<String> r = sendTo(publisher.apiUri(), "GET", "/v1/admin/models", ADMIN, null);
    expect(r, 404, "NOT_FOUND");
    assertThat(r.body()).contains("DISTILL_PUBLISHER_ADMIN_PORT");
    expect(sendTo(publisher.apiUri(), "POST", "/v1/admin/devices", ADMIN, "{\"deviceId\":\"z\",\"model\":\"m\"}"),
        404, "NOT_FOUND");
    // and the admin port serves no device call
    expect(sendTo(publisher.adminUri(), "GET", "/v1/devices/a/assignment", tokenA, null), 404, "NOT_FOUND");
    assertThat(send("GET", "/v1/admin/models", ADMIN, null).statusCode()).isEqualTo(200);
  }
}
