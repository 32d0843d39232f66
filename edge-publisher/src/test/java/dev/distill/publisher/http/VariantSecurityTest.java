package dev.distill.publisher.http;

import static dev.distill.publisher.http.CompromisedPublisherTest.awaitRefusal;
import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.client.agent.DeviceAgent;
import dev.distill.client.agent.OrtRuntime;
import dev.distill.client.agent.UpdateRejectedException.Reason;
import dev.distill.client.http.PublisherClient;
import dev.distill.client.sim.Students;
import dev.distill.contract.model.Variant;
import dev.distill.contract.onnx.WeightQuantizer;
import dev.distill.contract.ota.DeltaCodec;
import dev.distill.contract.ota.QuantizedUpdate;
import dev.distill.contract.ota.ImageSigner;
import dev.distill.contract.proto.ModelVersion;
import dev.distill.publisher.PublisherConfig;
import dev.distill.publisher.PublisherService;
import dev.distill.publisher.TestPublishers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A variant is a lineage of its own ({@link Variant#lineage}): a device registered for
 * {@code m.int8} runs int8 bytes the trainer signed as {@code m.int8}, never bytes signed for
 * another variant, and refuses tampered int8 bytes, whole or as a delta, as it refuses a
 * tampered full-precision model. A real agent against the real publisher over HTTP (state in
 * memory); the tampering is done in the publisher's artifact store.
 */
class VariantSecurityTest {
  static final String INT8 = Variant.INT8.lineage("m");
  static final String QDELTA = Variant.QDELTA.lineage("m");

  @TempDir Path dir;
  final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  byte[] fp32v1;
  byte[] fp32v2;
  byte[] fp32v3;
  byte[] v1;
  byte[] v2;
  String lineage = INT8;
  String token;

  PublisherService publisher;
  PublisherClient client;
  DeviceAgent agent;
  final List<DeviceAgent.Outcome> outcomes = new CopyOnWriteArrayList<>();

  @BeforeEach
  void students() {
    Random r = new Random(8);
    float[] w1 = Students.gaussian(r, 784 * 64, 0.05);
    float[] w2 = Students.gaussian(r, 64 * 10, 0.1);
    fp32v1 = Students.mlp(w1, new float[64], w2, new float[10], 784, 64, 10, 1);
    for (int i = 0; i < w1.length; i += 7) {
      w1[i] += 1e-4f; // a small update: a delta far smaller than the artifact
    }
    fp32v2 = Students.mlp(w1, new float[64], w2, new float[10], 784, 64, 10, 2);
    for (int i = 3; i < w1.length; i += 7) {
      w1[i] -= 1e-4f;
    }
    fp32v3 = Students.mlp(w1, new float[64], w2, new float[10], 784, 64, 10, 3);
    v1 = WeightQuantizer.quantize(fp32v1, Variant.INT8);
    v2 = WeightQuantizer.quantize(fp32v2, Variant.INT8);
  }

  /** The qdelta lineage instead: v1 the fp32 artifact, v2 a quantized update of it towards the trained v2. */
  private void qdeltaVersions() {
    v1 = fp32v1;
    v2 = QuantizedUpdate.apply(fp32v1, fp32v2, 1.0).onnx();
  }

  @AfterEach
  void stop() {
    if (agent != null) {
      agent.close();
    }
    if (publisher != null) {
      publisher.close();
    }
    scheduler.shutdownNow();
  }

  /** The publisher, and one polling device registered for {@link #lineage} that runs v1. */
  private ImageSigner startWithDeviceOnV1() throws Exception {
    publisher = PublisherService.startInMemory(TestPublishers.config(dir, Map.of(
        PublisherConfig.WAVES, "100%", PublisherConfig.MIN_WAVE_DURATION, "0s")), Clock.systemUTC());
    client = new PublisherClient(PublisherClient.newHttpClient(Executors.newFixedThreadPool(1)), publisher.apiUri());
    token = TestPublishers.admin(publisher).register("dev-variant", lineage).token();
    agent = new DeviceAgent(new DeviceAgent.Settings("dev-variant", token, lineage, TestPublishers.verifier(publisher),
        dir.resolve("device"), 64L << 20, Duration.ofMillis(200), false), client, new OrtRuntime(1), scheduler,
        Executors.newSingleThreadExecutor(), Clock.systemUTC());
    agent.onOutcome(outcomes::add).start();
    ImageSigner trainer = TestPublishers.trainer(dir);
    publisher.ingest(Students.version(lineage, 1, v1, trainer), System.currentTimeMillis());
    TestPublishers.await(lineage + " v1 installed", Duration.ofSeconds(30), () -> agent.activeVersion() == 1);
    return trainer;
  }

  private void assertStillRunsV1() throws Exception {
    assertThat(agent.activeVersion()).isEqualTo(1);
    assertThat(Files.readAllBytes(agent.activeSlot().orElseThrow().file())).isEqualTo(v1);
  }

  /** Bytes in the publisher's store under {@code name}, written before it starts so it takes them as its own. */
  private void plant(String folder, String name, byte[] genuine) throws Exception {
    byte[] tampered = genuine.clone();
    tampered[tampered.length / 2] ^= 0x40;
    Path file = dir.resolve("artifacts").resolve(folder).resolve(name);
    Files.createDirectories(file.getParent());
    Files.write(file, tampered);
  }

  @Test
  void anInt8DeviceInstallsItsSignedVersionAndTheNextAsADelta() throws Exception {
    ImageSigner trainer = startWithDeviceOnV1();
    long afterFull = client.downloadedBytes();
    assertThat(afterFull).isEqualTo(v1.length);

    publisher.ingest(Students.version(INT8, 2, v2, trainer), System.currentTimeMillis());
    TestPublishers.await("m.int8 v2 installed", Duration.ofSeconds(30), () -> agent.activeVersion() == 2);

    assertThat(client.downloadedBytes() - afterFull).as("a delta, not the full artifact").isLessThan(v2.length / 2);
    assertThat(Files.readAllBytes(agent.activeSlot().orElseThrow().file())).isEqualTo(v2);
    assertThat(outcomes).extracting(DeviceAgent.Outcome::result).doesNotContain(DeviceAgent.Result.REJECTED);
  }

  @Test
  void bytesTheTrainerSignedForAnotherVariantAreRefusedByAnInt8Device() throws Exception {
    ImageSigner trainer = startWithDeviceOnV1();

    // the same bytes and version, published as m.int8 with the trainer's genuine statement for m, then for m.fp16
    long version = 2;
    for (String other : List.of(Variant.FP32.lineage("m"), Variant.FP16.lineage("m"))) {
      ModelVersion swapped = Students.version(INT8, version, v2).toBuilder()
          .setImageSignature(Students.version(other, version, v2, trainer).getImageSignature()).build();
      publisher.ingest(swapped, System.currentTimeMillis());
      awaitRefusal(outcomes, version, Reason.IMAGE_MISMATCH);
      version++;
    }

    assertStillRunsV1();
  }

  @Test
  void aTamperedInt8ArtifactInTheStoreIsRefusedAndTheDeviceKeepsItsVersion() throws Exception {
    plant("sha256", Students.sha256(v2), v2);
    ImageSigner trainer = startWithDeviceOnV1();

    publisher.ingest(Students.version(INT8, 2, v2, trainer), System.currentTimeMillis());

    awaitRefusal(outcomes, 2, Reason.HASH_MISMATCH);
    assertStillRunsV1();
  }

  @Test
  void aTamperedDeltaBetweenInt8VersionsIsNotInstalledTheGenuineArtifactIs() throws Exception {
    plant("deltas", Students.sha256(v1) + "-" + Students.sha256(v2), DeltaCodec.encode(v1, v2));
    ImageSigner trainer = startWithDeviceOnV1();
    long afterFull = client.downloadedBytes();

    publisher.ingest(Students.version(INT8, 2, v2, trainer), System.currentTimeMillis());
    TestPublishers.await("m.int8 v2 installed", Duration.ofSeconds(30), () -> agent.activeVersion() == 2);

    assertThat(Files.readAllBytes(agent.activeSlot().orElseThrow().file())).isEqualTo(v2);
    assertThat(client.downloadedBytes() - afterFull).as("the delta, then the whole artifact")
        .isGreaterThan(v2.length);
  }

  @Test
  void aTamperedDeltaAndArtifactBetweenInt8VersionsAreRefusedAndTheDeviceKeepsItsVersion() throws Exception {
    plant("deltas", Students.sha256(v1) + "-" + Students.sha256(v2), DeltaCodec.encode(v1, v2));
    plant("sha256", Students.sha256(v2), v2);
    ImageSigner trainer = startWithDeviceOnV1();

    publisher.ingest(Students.version(INT8, 2, v2, trainer), System.currentTimeMillis());

    awaitRefusal(outcomes, 2, Reason.HASH_MISMATCH);
    assertStillRunsV1();
  }

  @Test
  void aQdeltaDeviceInstallsTheNextVersionFromStepCounts() throws Exception {
    lineage = QDELTA;
    qdeltaVersions();
    ImageSigner trainer = startWithDeviceOnV1();
    long afterFull = client.downloadedBytes();

    publisher.ingest(Students.version(QDELTA, 2, v2, trainer), System.currentTimeMillis());
    TestPublishers.await("m.qdelta v2 installed", Duration.ofSeconds(30), () -> agent.activeVersion() == 2);

    assertThat(Files.readAllBytes(agent.activeSlot().orElseThrow().file())).isEqualTo(v2);
    assertThat(client.downloadedBytes() - afterFull).as("step counts, not floats").isLessThan(v2.length / 20);
    assertThat(outcomes).extracting(DeviceAgent.Outcome::result).doesNotContain(DeviceAgent.Result.REJECTED);
  }

  @Test
  void aTamperedQdeltaDeltaAndArtifactAreRefusedAndTheDeviceKeepsItsVersion() throws Exception {
    lineage = QDELTA;
    qdeltaVersions();
    plant("deltas", Students.sha256(v1) + "-" + Students.sha256(v2), DeltaCodec.encode(v1, v2));
    plant("sha256", Students.sha256(v2), v2);
    ImageSigner trainer = startWithDeviceOnV1();

    publisher.ingest(Students.version(QDELTA, 2, v2, trainer), System.currentTimeMillis());

    awaitRefusal(outcomes, 2, Reason.HASH_MISMATCH);
    assertStillRunsV1();
  }

  @Test
  void aQdeltaDeviceTwoVersionsBehindGetsAChainOfStepCounts() throws Exception {
    lineage = QDELTA;
    qdeltaVersions();
    byte[] v3 = QuantizedUpdate.apply(v2, fp32v3, 1.0).onnx();
    ImageSigner trainer = startWithDeviceOnV1();
    agent.close(); // a device that was away while v2 and v3 came out
    agent = null;

    publisher.ingest(Students.version(QDELTA, 2, v2, trainer), System.currentTimeMillis());
    publisher.ingest(Students.version(QDELTA, 3, v3, trainer), System.currentTimeMillis());
    byte[] update = client.delta(Students.sha256(v3), Students.sha256(v1), token, v3.length + 1024).orElseThrow();

    assertThat(new String(update, 0, 8, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("DSCHAIN1");
    assertThat(DeltaCodec.decode(v1, update, v3.length)).isEqualTo(v3);
    assertThat(update.length).as("two deltas of step counts").isLessThan(v3.length / 10);
  }
}
