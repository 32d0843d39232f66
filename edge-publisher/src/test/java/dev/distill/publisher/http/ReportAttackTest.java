package dev.distill.publisher.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.client.http.AdminClient;
import dev.distill.client.sim.Students;
import dev.distill.contract.proto.Rollout;
import dev.distill.publisher.PublisherConfig;
import dev.distill.publisher.PublisherService;
import dev.distill.publisher.TestPublishers;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks through reports: one device reporting as fast as it can is held to its rate, and
 * one lying device (10^9 labelled samples) neither fails nor passes a wave of honest ones.
 */
class ReportAttackTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final int HONEST = 50;
  @TempDir Path dir;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  final Map<String, String> tokens = new LinkedHashMap<>();
  PublisherService publisher;

  @BeforeEach
  void start() throws Exception {
    publisher = PublisherService.startInMemory(TestPublishers.config(dir, Map.of(PublisherConfig.WAVES, "100%",
        PublisherConfig.MIN_WAVE_DURATION, "0s", PublisherConfig.REPORT_BURST, "3", PublisherConfig.REPORT_INTERVAL, "1h")),
        Clock.systemUTC());
    AdminClient admin = TestPublishers.admin(publisher);
    for (int i = 0; i < HONEST; i++) {
      tokens.put("d" + i, admin.register("d" + i, "m").token());
    }
    tokens.put("liar", admin.register("liar", "m").token());
  }

  @AfterEach
  void stop() {
    publisher.close();
  }

  private HttpResponse<String> report(String device, long version, double accuracy, long labelled) throws Exception {
    String body = JSON.writeValueAsString(Map.of("status", "RUNNING", "installedVersion", version, "inferenceCount", labelled,
        "latencyP50Ms", 1.0, "latencyP99Ms", 2.0, "errorCount", 0, "accuracy", accuracy, "labelledCount", labelled));
    return http.send(HttpRequest.newBuilder(publisher.apiUri().resolve("/v1/devices/" + device + "/reports"))
        .header("Authorization", "Bearer " + tokens.get(device)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private Rollout.State settle(long version) throws Exception {
    TestPublishers.await("the rollout of v" + version + " is judged", Duration.ofSeconds(20), () -> publisher.view().rollout("m")
        .filter(r -> r.getTargetVersion() == version && r.getState() != Rollout.State.ACTIVE).isPresent());
    return publisher.view().rollout("m").orElseThrow().getState();
  }

  private void publish(long version) throws Exception {
    publisher.ingest(Students.version("m", version, Students.random(784, 8, 10, version, version)), System.currentTimeMillis());
    TestPublishers.await("v" + version + " assigned", Duration.ofSeconds(10),
        () -> publisher.controller().assigner().target("liar", "m").version() == version);
  }

  /** v1 completes on everyone's honest 0.9; then v2 is judged on what the honest devices and the liar say. */
  private Rollout.State secondWave(double honestAccuracy, double liarAccuracy) throws Exception {
    publish(1);
    for (String d : tokens.keySet()) {
      assertThat(report(d, 1, 0.9, 500).statusCode()).isEqualTo(202);
    }
    assertThat(settle(1)).isEqualTo(Rollout.State.COMPLETED);
    publish(2);
    assertThat(report("liar", 2, liarAccuracy, 1_000_000_000L).statusCode()).isEqualTo(202);
    for (String d : tokens.keySet()) {
      if (!d.equals("liar")) {
        assertThat(report(d, 2, honestAccuracy, 500).statusCode()).isEqualTo(202);
      }
    }
    return settle(2);
  }

  @Test
  void oneLyingDeviceDoesNotFailAGoodWave() throws Exception {
    assertThat(secondWave(0.9, 0.0)).isEqualTo(Rollout.State.COMPLETED);
  }

  @Test
  void oneLyingDeviceDoesNotPassABadWave() throws Exception {
    assertThat(secondWave(0.5, 1.0)).isEqualTo(Rollout.State.ROLLED_BACK);
  }

  @Test
  void aDeviceReportingAsFastAsItCanIsHeldToItsRate() throws Exception {
    List<Integer> statuses = new ArrayList<>();
    HttpResponse<String> last = null;
    for (int i = 0; i < 20; i++) {
      last = report("d0", 0, 0.5, 10);
      statuses.add(last.statusCode());
    }
    assertThat(statuses.subList(0, 3)).containsOnly(202);
    assertThat(statuses.subList(3, 20)).containsOnly(429);
    assertThat(JSON.readTree(last.body()).get("code").asText()).isEqualTo("TOO_MANY_REQUESTS");
    assertThat(last.headers().firstValueAsLong("Retry-After").orElse(0)).isBetween(1L, 3600L);
    assertThat(publisher.view().reports("d0")).hasSizeLessThanOrEqualTo(3);
    assertThat(report("d1", 0, 0.5, 10).statusCode()).as("other devices are not held back").isEqualTo(202);
  }
}
