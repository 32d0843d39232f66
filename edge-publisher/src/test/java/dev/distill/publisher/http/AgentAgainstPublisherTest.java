package dev.distill.publisher.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.client.agent.DeviceAgent;
import dev.distill.client.agent.OrtRuntime;
import dev.distill.client.http.PublisherClient;
import dev.distill.client.sim.Students;
import dev.distill.publisher.PublisherConfig;
import dev.distill.publisher.PublisherService;
import dev.distill.publisher.TestPublishers;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real agent against the real server (state in memory): polling without push, then a delta update. */
class AgentAgainstPublisherTest {
  @TempDir Path dir;

  @Test
  void aPollingDeviceInstallsTheFirstVersionWholeAndTheNextAsADelta() throws Exception {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try (PublisherService publisher = PublisherService.startInMemory(TestPublishers.config(dir,
        Map.of(PublisherConfig.WAVES, "100%", PublisherConfig.MIN_WAVE_DURATION, "0s")), Clock.systemUTC())) {
      PublisherClient client = new PublisherClient(PublisherClient.newHttpClient(Executors.newFixedThreadPool(1)),
          publisher.apiUri());
      String token = TestPublishers.admin(publisher).register("dev-1", "m").token();
      List<DeviceAgent.Outcome> outcomes = new CopyOnWriteArrayList<>();
      try (DeviceAgent agent = new DeviceAgent(new DeviceAgent.Settings("dev-1", token, "m", TestPublishers.verifier(publisher),
          dir.resolve("device"), 64L << 20, Duration.ofMillis(200), false), client, new OrtRuntime(1), scheduler,
          Executors.newSingleThreadExecutor(), Clock.systemUTC())) {
        agent.onOutcome(outcomes::add).start();

        Random r = new Random(5);
        float[] w1 = Students.gaussian(r, 784 * 256, 0.05);
        float[] w2 = Students.gaussian(r, 256 * 10, 0.1);
        byte[] v1 = Students.mlp(w1, new float[256], w2, new float[10], 784, 256, 10, 1);
        publisher.ingest(Students.version("m", 1, v1, TestPublishers.trainer(dir)), System.currentTimeMillis());
        TestPublishers.await("version 1 installed by polling", Duration.ofSeconds(30), () -> agent.activeVersion() == 1);
        long afterFull = client.downloadedBytes();
        assertThat(afterFull).isEqualTo(v1.length);

        for (int i = 0; i < w1.length; i += 7) {
          w1[i] += 1e-4f; // a sparse small update: most weights unchanged
        }
        byte[] v2 = Students.mlp(w1, new float[256], w2, new float[10], 784, 256, 10, 2);
        publisher.ingest(Students.version("m", 2, v2, TestPublishers.trainer(dir)), System.currentTimeMillis());
        TestPublishers.await("version 2 installed", Duration.ofSeconds(30), () -> agent.activeVersion() == 2);
        long deltaBytes = client.downloadedBytes() - afterFull;
        assertThat(deltaBytes).as("a delta, not the full artifact").isLessThan(v2.length / 2);
        assertThat(Students.sha256(java.nio.file.Files.readAllBytes(agent.activeSlot().orElseThrow().file())))
            .isEqualTo(Students.sha256(v2));
        assertThat(outcomes).extracting(DeviceAgent.Outcome::result).doesNotContain(DeviceAgent.Result.REJECTED);
      }
    } finally {
      scheduler.shutdownNow();
    }
  }
}
