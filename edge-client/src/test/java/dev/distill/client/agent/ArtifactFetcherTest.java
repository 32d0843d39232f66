package dev.distill.client.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.client.http.PublisherClient;
import dev.distill.client.sim.Students;
import dev.distill.contract.ota.DeltaCodec;
import dev.distill.contract.ota.Manifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a device gets a new version's bytes from what it runs: the delta when it can, else the whole artifact. */
class ArtifactFetcherTest {
  @TempDir Path dir;
  FakeArtifactServer server;
  PublisherClient client;
  byte[] v1;
  byte[] v2;
  Slots.Slot installed;
  Manifest manifest;

  @BeforeEach
  void start() throws Exception {
    server = new FakeArtifactServer();
    client = new PublisherClient(PublisherClient.newHttpClient(Executors.newFixedThreadPool(1)), server.uri());
    Random r = new Random(3);
    float[] w = Students.gaussian(r, 784 * 32, 0.05);
    v1 = Students.mlp(w, new float[32], new float[320], new float[10], 784, 32, 10, 1);
    w[5] += 1e-3f;
    v2 = Students.mlp(w, new float[32], new float[320], new float[10], 784, 32, 10, 2);
    Path file = Files.write(dir.resolve("v1.onnx"), v1);
    installed = new Slots.Slot("a", 1, Students.sha256(v1), "r1", file);
    manifest = new Manifest("m", 2, Students.sha256(v2), v2.length, 0, Long.MAX_VALUE, "r2", false, 0);
    server.put(Students.sha256(v2), v2, FakeArtifactServer.Mode.NORMAL);
    Files.createDirectories(dir.resolve("download")); // the agent makes it at start
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void aPublisherBusyWithDeltasIsAskedAgainAfterItsRetryAfterInsteadOfDownloadingTheWholeArtifact() throws Exception {
    byte[] delta = DeltaCodec.encode(v1, v2);
    server.putDelta(Students.sha256(v2), delta, 2);

    byte[] got = new ArtifactFetcher(client, "dev", "token", dir).fetch(manifest, installed);

    assertThat(got).isEqualTo(v2);
    assertThat(server.deltaRequests.get()).as("two refusals, then the delta").isEqualTo(3);
    // the delta, and two refusals of a few dozen bytes each
    assertThat(client.downloadedBytes()).isBetween((long) delta.length, delta.length + 200L);
  }

  @Test
  void aPublisherStillBusyAfterTheRetriesGetsTheWholeArtifactDownloaded() throws Exception {
    server.putDelta(Students.sha256(v2), DeltaCodec.encode(v1, v2), 100);

    byte[] got = new ArtifactFetcher(client, "dev", "token", dir).fetch(manifest, installed);

    assertThat(got).isEqualTo(v2);
    assertThat(server.deltaRequests.get()).as("asked four times before downloading the whole").isEqualTo(4);
    assertThat(client.downloadedBytes()).as("the whole artifact after four refusals").isBetween((long) v2.length,
        v2.length + 400L);
  }
}
