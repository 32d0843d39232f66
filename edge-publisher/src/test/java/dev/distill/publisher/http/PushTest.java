package dev.distill.publisher.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.client.http.EventStream;
import dev.distill.client.http.PublisherClient;
import dev.distill.client.sim.Students;
import dev.distill.contract.ota.Manifest;
import dev.distill.contract.ota.OtaApi.Assignment;
import dev.distill.publisher.PublisherConfig;
import dev.distill.publisher.PublisherService;
import dev.distill.publisher.TestPublishers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Server-sent events: a new assignment is pushed, signed, and not pushed twice to a device that has it. */
class PushTest {
  @TempDir Path dir;
  PublisherService publisher;
  PublisherClient client;
  ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  String token;

  @BeforeEach
  void start() throws Exception {
    publisher = PublisherService.startInMemory(TestPublishers.config(dir, Map.of(PublisherConfig.WAVES, "100%",
        PublisherConfig.MIN_WAVE_DURATION, "0s")), Clock.systemUTC());
    client = new PublisherClient(PublisherClient.newHttpClient(Executors.newFixedThreadPool(1)), publisher.apiUri());
    token = TestPublishers.admin(publisher).register("dev-1", "m").token();
  }

  @AfterEach
  void stop() {
    publisher.close();
    scheduler.shutdownNow();
  }

  @Test
  void aPublishedVersionIsPushedSignedAndAReconnectWithItsIdIsNotSentItAgain() throws Exception {
    BlockingQueue<Assignment> events = new LinkedBlockingQueue<>();
    EventStream stream = new EventStream(client, "dev-1", token, null, scheduler, events::add).open();
    Assignment none = events.poll(10, TimeUnit.SECONDS);
    assertThat(none).isNotNull();
    assertThat(none.version()).isZero();

    byte[] v1 = Students.random(784, 8, 10, 1, 1);
    publisher.ingest(Students.version("m", 1, v1, TestPublishers.trainer(dir)), System.currentTimeMillis());
    Assignment pushed = events.poll(10, TimeUnit.SECONDS);
    assertThat(pushed).isNotNull();
    assertThat(pushed.version()).isEqualTo(1);
    Manifest m = TestPublishers.verifier(publisher).verify(pushed.manifest(), "m", Instant.now(), java.util.Set.of());
    assertThat(m.sha256()).isEqualTo(Students.sha256(v1));
    assertThat(m.length()).isEqualTo(v1.length);
    assertThat(m.rollback()).isFalse();
    stream.close();

    BlockingQueue<Assignment> again = new LinkedBlockingQueue<>();
    EventStream resumed = new EventStream(client, "dev-1", token, pushed.eventId(), scheduler, again::add).open();
    assertThat(again.poll(1500, TimeUnit.MILLISECONDS)).as("the device has this assignment already").isNull();
    publisher.ingest(Students.version("m", 2, Students.random(784, 8, 10, 2, 2), TestPublishers.trainer(dir)),
        System.currentTimeMillis());
    Assignment next = again.poll(10, TimeUnit.SECONDS);
    assertThat(next).isNotNull();
    assertThat(next.version()).isEqualTo(2);
    assertThat(next.eventId()).isNotEqualTo(pushed.eventId());
    resumed.close();
  }

  @Test
  void theOpsPortServesPublisherMetricsWithoutDeviceIds() throws Exception {
    byte[] v1 = Students.random(784, 8, 10, 1, 1);
    publisher.ingest(Students.version("m", 1, v1, TestPublishers.trainer(dir)), System.currentTimeMillis());
    java.nio.file.Path part = dir.resolve("part");
    client.download(Students.sha256(v1), token, part, v1.length);
    Thread.sleep(1200); // two rollout ticks refresh the fleet gauges
    String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://localhost:" + publisher.opsPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    assertThat(metrics)
        .contains("distill_publisher_downloads_total{kind=\"full\"")
        .contains("distill_publisher_download_bytes_total{kind=\"full\"")
        .contains("distill_publisher_devices_connected")
        .contains("distill_publisher_assignments_pushed_total")
        .contains("distill_publisher_rollout_state{model=\"m\"")
        .contains("distill_publisher_devices_installed{model=\"m\"")
        .doesNotContain("dev-1");
  }
}
