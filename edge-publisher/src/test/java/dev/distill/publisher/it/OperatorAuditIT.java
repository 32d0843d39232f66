package dev.distill.publisher.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.contract.proto.AuditRecord;
import dev.distill.kafka.EmbeddedKafka;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.publisher.PublisherConfig;
import dev.distill.publisher.PublisherService;
import dev.distill.publisher.TestPublishers;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Operators with their own tokens and roles: a viewer reads and is refused a change, an operator
 * changes, a wrong token is refused; every change asked for lands in {@code <prefix>.audit} with
 * who asked, what, and how it ended.
 */
class OperatorAuditIT {
  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void everyChangeAskedOfTheAdminApiIsRecordedWithItsOperatorAndOutcome() throws Exception {
    Path tokens = dir.resolve("operators");
    Files.writeString(tokens, """
        # name role sha256-of-token
        vera viewer %s
        otto operator %s
        """.formatted(sha256("viewer-token-0123456789"), sha256("operator-token-0123456789")));
    try (EmbeddedKafka broker = EmbeddedKafka.builder().dataDir(dir.resolve("kafka")).port(0).controllerPort(0).build().start()) {
      PublisherConfig config = TestPublishers.config(dir, Map.of(KafkaSettings.BOOTSTRAP, broker.bootstrapServers(),
          KafkaSettings.PARTITIONS, "1", PublisherConfig.ADMIN_TOKENS, tokens.toString()));
      try (PublisherService publisher = PublisherService.start(config, Clock.systemUTC())) {
        TestPublishers.await("publisher ready", Duration.ofSeconds(60), publisher::ready);
        String body = "{\"deviceId\":\"dev-7\",\"model\":\"m\"}";
        assertThat(call(publisher, "GET", "/v1/admin/models", "viewer-token-0123456789", null).statusCode()).isEqualTo(200);
        HttpResponse<String> refused = call(publisher, "POST", "/v1/admin/devices", "viewer-token-0123456789", body);
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).contains("FORBIDDEN").contains("vera is a viewer");
        assertThat(call(publisher, "POST", "/v1/admin/devices", "operator-token-0123456789", body).statusCode()).isEqualTo(201);
        assertThat(call(publisher, "POST", "/v1/admin/devices", "nobody-0123456789", body).statusCode()).isEqualTo(401);
        // the main admin token is the operator "admin"
        assertThat(call(publisher, "POST", "/v1/admin/devices/dev-7/token", TestPublishers.ADMIN, null).statusCode())
            .isEqualTo(200);

        List<AuditRecord> audit = TestPublishers.readFromStart(config, config.kafka().topics().audit(), 4);
        assertThat(audit).extracting(AuditRecord::getOperator, AuditRecord::getRole, AuditRecord::getStatus,
            AuditRecord::getCode).containsExactly(
                org.assertj.core.groups.Tuple.tuple("vera", "viewer", 403, "FORBIDDEN"),
                org.assertj.core.groups.Tuple.tuple("otto", "operator", 201, ""),
                org.assertj.core.groups.Tuple.tuple("unknown", "", 401, "INVALID_TOKEN"),
                org.assertj.core.groups.Tuple.tuple("admin", "operator", 200, ""));
        assertThat(audit.get(1).getBody()).isEqualTo(body);
        assertThat(audit.get(1).getPath()).isEqualTo("/v1/admin/devices");
        assertThat(audit.get(3).getMethod()).isEqualTo("POST");
        assertThat(audit).allSatisfy(r -> assertThat(r.getReplica()).isNotBlank())
            .noneSatisfy(r -> assertThat(r.getBody()).contains("token-0123456789"));
      }
    }
  }

  private HttpResponse<String> call(PublisherService p, String method, String path, String token, String body)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(p.adminUri().resolve(path)).header("Authorization", "Bearer " + token)
        .timeout(Duration.ofSeconds(10))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String sha256(String s) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
  }
}
