package dev.distill.publisher.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.client.http.EventStream;
import dev.distill.client.http.PublisherClient;
import dev.distill.client.sim.Students;
import dev.distill.contract.ota.OtaApi;
import dev.distill.contract.ota.OtaApi.Assignment;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The device port speaks cleartext HTTP/2 besides HTTP/1.1, so an HTTP/2 ingress can carry many
 * devices' event streams on one connection, each authenticated by its own device's token.
 */
class PushOverHttp2Test {
  @TempDir Path dir;
  PublisherService publisher;
  ExecutorService executor = Executors.newFixedThreadPool(2);
  ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

  @BeforeEach
  void start() throws Exception {
    publisher = PublisherService.startInMemory(TestPublishers.config(dir, Map.of(PublisherConfig.WAVES, "100%",
        PublisherConfig.MIN_WAVE_DURATION, "0s")), Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    publisher.close();
    scheduler.shutdownNow();
    executor.shutdownNow();
  }

  @Test
  void manyDevicesStreamsShareOneHttp2ConnectionAndEachIsPushedTo() throws Exception {
    HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).executor(executor).build();
    PublisherClient client = new PublisherClient(h2, publisher.apiUri());
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      tokens.add(TestPublishers.admin(publisher).register("dev-" + i, "m").token());
    }
    // the first request upgrades the connection (h2c); the streams after it are multiplexed on it
    HttpResponse<Void> first = h2.send(HttpRequest.newBuilder(publisher.apiUri().resolve(OtaApi.path(OtaApi.ASSIGNMENT,
        "dev-0"))).header("Authorization", "Bearer " + tokens.get(0)).GET().build(), HttpResponse.BodyHandlers.discarding());
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.version()).isEqualTo(HttpClient.Version.HTTP_2);

    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    List<EventStream> streams = new ArrayList<>();
    for (int i = 0; i < tokens.size(); i++) {
      String id = "dev-" + i;
      streams.add(new EventStream(client, id, tokens.get(i), null, scheduler, (Assignment a) -> {
        if (a.version() == 1) {
          events.add(id);
        }
      }).open());
    }
    TestPublishers.await("every stream open", Duration.ofSeconds(10), () -> publisher.connectedDevices() == tokens.size());
    publisher.ingest(Students.version("m", 1, Students.random(784, 8, 10, 1, 1), TestPublishers.trainer(dir)),
        System.currentTimeMillis());
    List<String> pushed = new ArrayList<>();
    for (int i = 0; i < tokens.size(); i++) {
      String id = events.poll(10, TimeUnit.SECONDS);
      assertThat(id).as("push %d of %d", i + 1, tokens.size()).isNotNull();
      pushed.add(id);
    }
    assertThat(pushed).doesNotHaveDuplicates().hasSize(tokens.size());
    streams.forEach(EventStream::close);
  }
}
