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

  @Test
  void aPushUnderAStagedRolloutSendsEachDeviceWhatItsOwnRequestWouldGet() throws Exception {
    try (PublisherService staged = PublisherService.startInMemory(TestPublishers.config(dir.resolve("staged"),
        Map.of(PublisherConfig.WAVES, "50%,100%", PublisherConfig.MIN_WAVE_DURATION, "10m")), Clock.systemUTC())) {
      PublisherClient c = new PublisherClient(PublisherClient.newHttpClient(Executors.newFixedThreadPool(1)),
          staged.apiUri());
      Map<String, String> tokens = new java.util.TreeMap<>();
      Map<String, BlockingQueue<Assignment>> events = new java.util.TreeMap<>();
      // what each device holds: its last event (a device whose assignment does not change gets no new one)
      Map<String, Assignment> last = new java.util.TreeMap<>();
      java.util.List<EventStream> streams = new java.util.ArrayList<>();
      for (int i = 0; i < 12; i++) {
        String id = "dev-" + i;
        tokens.put(id, TestPublishers.admin(staged).register(id, "m").token());
        BlockingQueue<Assignment> q = new LinkedBlockingQueue<>();
        events.put(id, q);
        streams.add(new EventStream(c, id, tokens.get(id), null, scheduler, q::add).open());
        Assignment first = q.poll(10, TimeUnit.SECONDS);
        assertThat(first).as("the first event of " + id).isNotNull();
        last.put(id, first);
      }
      staged.ingest(Students.version("m", 1, Students.random(784, 8, 10, 1, 1), TestPublishers.trainer(dir)),
          System.currentTimeMillis());
      TestPublishers.await("a device told of v1", java.time.Duration.ofSeconds(10),
          () -> events.values().stream().anyMatch(q -> q.stream().anyMatch(a -> a.version() == 1)));
      // the version and then its rollout each start a push: wait until nothing more comes
      boolean more = true;
      while (more) {
        more = false;
        Thread.sleep(2000);
        for (var e : events.entrySet()) {
          for (Assignment a = e.getValue().poll(); a != null; a = e.getValue().poll()) {
            last.put(e.getKey(), a);
            more = true;
          }
        }
      }
      java.util.Set<Long> versions = new java.util.HashSet<>();
      for (String id : tokens.keySet()) {
        Assignment own = c.assignment(id, tokens.get(id));
        Assignment pushed = last.get(id);
        assertThat(pushed).as("the push to " + id).isNotNull();
        assertThat(pushed.version()).as(id).isEqualTo(own.version());
        assertThat(pushed.eventId()).as(id).isEqualTo(own.eventId());
        versions.add(own.version());
      }
      assertThat(versions).as("the first wave holds some devices, not all").containsExactlyInAnyOrder(0L, 1L);
      streams.forEach(EventStream::close);
    }
  }
}
