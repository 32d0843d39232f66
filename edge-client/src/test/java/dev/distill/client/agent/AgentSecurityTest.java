package dev.distill.client.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.client.agent.FakeArtifactServer.Mode;
import dev.distill.client.agent.UpdateRejectedException.Reason;
import dev.distill.client.http.PublisherClient;
import dev.distill.client.sim.Students;
import dev.distill.contract.model.Variant;
import dev.distill.contract.ota.Ed25519Keys;
import dev.distill.contract.ota.ImageSigner;
import dev.distill.contract.ota.ImageStatement;
import dev.distill.contract.ota.Manifest;
import dev.distill.contract.ota.KeyRole;
import dev.distill.contract.ota.ManifestSigner;
import dev.distill.contract.ota.ManifestVerifier;
import dev.distill.contract.ota.OtaApi;
import dev.distill.contract.ota.OtaApi.Assignment;
import dev.distill.contract.ota.RootAuthority;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each attack on an update is refused with its own reason, and the device keeps running the
 * model it had: same version, same slot, same answers.
 */
class AgentSecurityTest {
  static final String MODEL = "mnist-student";
  @TempDir Path dir;
  final RootAuthority root = new RootAuthority(Ed25519Keys.generate());
  final KeyPair publisher = Ed25519Keys.generate();
  final ManifestSigner signer = new ManifestSigner(publisher,
      root.certify(publisher.getPublic(), KeyRole.PUBLISHER, Instant.now().minus(Duration.ofDays(1)), Duration.ofDays(30)));
  /** The trainer's image key, certified by the same root: every genuine version carries its signature. */
  final ImageSigner trainer = ImageSigner.certifiedBy(root, Instant.now().minus(Duration.ofDays(1)), Duration.ofDays(30));
  FakeArtifactServer server;
  ScheduledExecutorService scheduler;
  DeviceAgent agent;
  final byte[] v1 = Students.random(784, 16, 10, 1, 1);
  final byte[] v2 = Students.random(784, 16, 10, 2, 2);
  final float[] probe = new float[784];

  @BeforeEach
  void start() throws Exception {
    server = new FakeArtifactServer();
    scheduler = Executors.newSingleThreadScheduledExecutor();
    var http = PublisherClient.newHttpClient(Executors.newFixedThreadPool(1));
    agent = new DeviceAgent(new DeviceAgent.Settings("dev-1", "token", MODEL, new ManifestVerifier(root.trust()),
        dir, 64L << 20, Duration.ofHours(1), false), new PublisherClient(http, server.uri()), new OrtRuntime(1), scheduler,
        Runnable::run, Clock.systemUTC());
    java.util.Arrays.fill(probe, 100f);
  }

  @AfterEach
  void stop() {
    agent.close();
    server.close();
    scheduler.shutdownNow();
  }

  Assignment assign(ManifestSigner by, long version, byte[] artifact, boolean rollback, Duration ttl, long declaredLength) {
    long now = System.currentTimeMillis();
    long issued = ttl.isNegative() ? now - 3_600_000 : now;
    return assign(by, trainer, version, artifact, rollback ? version + 1 : 0, issued, Math.abs(ttl.toMillis()), declaredLength);
  }

  /**
   * @param images the trainer's key that signs the image statement of exactly this manifest's
   *     artifact (null: none)
   * @param rollbackFrom 0 for an upgrade, else the version the rollback undoes
   */
  static Assignment assign(ManifestSigner by, ImageSigner images, long version, byte[] artifact, long rollbackFrom,
      long issuedAtMs, long ttlMs, long declaredLength) {
    String sha = Students.sha256(artifact);
    boolean rollback = rollbackFrom != 0;
    var m = new Manifest(MODEL, version, sha, declaredLength, issuedAtMs, issuedAtMs + ttlMs, "r1", rollback, rollbackFrom);
    return new Assignment("dev-1", MODEL, version, sha, declaredLength, "r1", rollback,
        by.sign(m, images == null ? null : images.sign(ImageStatement.of(m))), OtaApi.path(OtaApi.ARTIFACT, sha), 60, issuedAtMs,
        "r1/" + version);
  }

  Assignment rollback(long version, byte[] artifact, long from, long issuedAtMs) {
    return assign(signer, trainer, version, artifact, from, issuedAtMs, 3_600_000, artifact.length);
  }

  DeviceAgent agentAt(Path agentDir, Clock clock) throws Exception {
    return device(root, agentDir, server, scheduler, clock);
  }

  /** A device in {@code agentDir} pinning {@code root}, fetching from {@code server}, applying on the caller's thread. */
  static DeviceAgent device(RootAuthority root, Path agentDir, FakeArtifactServer server, ScheduledExecutorService scheduler,
      Clock clock) throws Exception {
    return new DeviceAgent(new DeviceAgent.Settings("dev-1", "token", MODEL, new ManifestVerifier(root.trust()),
        agentDir, 64L << 20, Duration.ofHours(1), false), new PublisherClient(PublisherClient.newHttpClient(
            Executors.newFixedThreadPool(1)), server.uri()), new OrtRuntime(1), scheduler, Runnable::run, clock);
  }

  /** Serves v1, v2 and a third version; returns the third. */
  byte[] serveThreeVersions() {
    byte[] v3 = Students.random(784, 16, 10, 3, 3);
    for (byte[] v : new byte[][] {v1, v2, v3}) {
      server.put(Students.sha256(v), v, Mode.NORMAL);
    }
    return v3;
  }

  static Reason rejection(DeviceAgent by, Assignment a) {
    try {
      by.apply(a);
    } catch (UpdateRejectedException e) {
      return e.reason();
    }
    throw new AssertionError("accepted " + a);
  }

  Assignment assign(long version, byte[] artifact) {
    return assign(signer, version, artifact, false, Duration.ofHours(1), artifact.length);
  }

  Reason rejection(Assignment a) {
    try {
      agent.apply(a);
    } catch (UpdateRejectedException e) {
      return e.reason();
    }
    throw new AssertionError("accepted " + a);
  }

  @Test
  void everyAttackIsRefusedWithItsOwnReasonAndTheActiveModelStaysAsItWas() throws Exception {
    server.put(Students.sha256(v2), v2, Mode.NORMAL);
    assertThat(agent.apply(assign(2, v2)).result()).isEqualTo(DeviceAgent.Result.INSTALLED);
    var installed = agent.activeSlot().orElseThrow();
    float[] answer = agent.infer(probe, 1)[0];

    byte[] v3 = Students.random(784, 16, 10, 3, 3);
    byte[] tampered = v3.clone();
    tampered[tampered.length / 2] ^= 0x40;
    server.put(Students.sha256(v3), tampered, Mode.NORMAL);
    Reason tamperedArtifact = rejection(assign(3, v3));

    ManifestSigner impostor = new ManifestSigner(Ed25519Keys.generate(), null);
    Reason otherKey = rejection(assign(impostor, 3, v3, false, Duration.ofHours(1), v3.length));

    server.put(Students.sha256(v1), v1, Mode.NORMAL);
    Reason downgrade = rejection(assign(1, v1));

    Reason expired = rejection(assign(signer, 3, v3, false, Duration.ofMinutes(-10), v3.length));

    byte[] v4 = Students.random(784, 16, 10, 4, 4);
    server.put(Students.sha256(v4), v4, Mode.ENDLESS);
    Reason endless = rejection(assign(4, v4));

    byte[] broken = Students.broken(784, 10, 5);
    server.put(Students.sha256(broken), broken, Mode.NORMAL);
    Reason unhealthy = rejection(assign(5, broken));

    assertThat(tamperedArtifact).isEqualTo(Reason.HASH_MISMATCH);
    assertThat(otherKey).isEqualTo(Reason.UNTRUSTED_KEY);
    assertThat(downgrade).isEqualTo(Reason.ROLLBACK_REFUSED);
    assertThat(expired).isEqualTo(Reason.EXPIRED);
    assertThat(endless).isEqualTo(Reason.LENGTH_EXCEEDED);
    assertThat(unhealthy).isEqualTo(Reason.HEALTH_CHECK_FAILED);
    Set<Reason> distinct = EnumSet.of(tamperedArtifact, otherKey, downgrade, expired, endless, unhealthy);
    assertThat(distinct).hasSize(6);

    assertThat(agent.activeVersion()).isEqualTo(2);
    assertThat(agent.activeSlot()).contains(installed);
    assertThat(agent.infer(probe, 1)[0]).containsExactly(answer);
    assertThat(Files.readAllBytes(installed.file())).isEqualTo(v2);
  }

  @Test
  void anInt8DeviceRefusesAManifestForAnotherVariantOfTheSameBytesAndKeepsItsVersion() throws Exception {
    String int8 = Variant.INT8.lineage(MODEL);
    serveThreeVersions();
    DeviceAgent device = new DeviceAgent(new DeviceAgent.Settings("dev-1", "token", int8,
        new ManifestVerifier(root.trust()), dir.resolve("int8"), 64L << 20, Duration.ofHours(1), false),
        new PublisherClient(PublisherClient.newHttpClient(Executors.newFixedThreadPool(1)), server.uri()),
        new OrtRuntime(1), scheduler, Runnable::run, Clock.systemUTC());
    try (device) {
      assertThat(device.apply(variantAssignment(int8, int8, 1, v1)).result()).isEqualTo(DeviceAgent.Result.INSTALLED);
      // signed by the publisher and the trainer alike, but for the fp32 or fp16 lineage: a swap of variants
      for (String other : List.of(Variant.FP32.lineage(MODEL), Variant.FP16.lineage(MODEL))) {
        assertThat(rejection(device, variantAssignment(int8, other, 2, v2))).as(other).isEqualTo(Reason.WRONG_MODEL);
      }
      assertThat(device.activeVersion()).isEqualTo(1);
      assertThat(Files.readAllBytes(device.activeSlot().orElseThrow().file())).isEqualTo(v1);
    }
  }

  /** An assignment for a device of {@code device} whose signed manifest and image statement name {@code signedFor}. */
  Assignment variantAssignment(String device, String signedFor, long version, byte[] artifact) {
    long now = System.currentTimeMillis();
    String sha = Students.sha256(artifact);
    var m = new Manifest(signedFor, version, sha, artifact.length, now, now + 3_600_000, "r1", false, 0);
    return new Assignment("dev-1", device, version, sha, artifact.length, "r1", false,
        signer.sign(m, trainer.sign(ImageStatement.of(m))), OtaApi.path(OtaApi.ARTIFACT, sha), 60, now, "r1/" + version);
  }

  @Test
  void aForgedSignatureUnderTheCertifiedKeyIdIsABadSignature() throws Exception {
    Assignment forged = assign(new ManifestSigner(Ed25519Keys.generate(), null), 3, v1, false, Duration.ofHours(1), v1.length);
    Assignment claimed = new Assignment("dev-1", MODEL, 3, forged.sha256(), forged.length(), "r1", false,
        new dev.distill.contract.ota.SignedManifest(forged.manifest().payload(), signer.keyId(), forged.manifest().signature(),
            signer.certificate(), forged.manifest().image()),
        forged.artifactPath(), 60, 0, "x");
    assertThat(rejection(claimed)).isEqualTo(Reason.BAD_SIGNATURE);
    assertThat(agent.activeVersion()).isZero();
  }

  @Test
  void aSignedRollbackIsInstalledWhileAnUnsignedOneIsNot() throws Exception {
    server.put(Students.sha256(v2), v2, Mode.NORMAL);
    server.put(Students.sha256(v1), v1, Mode.NORMAL);
    agent.apply(assign(2, v2));
    assertThat(rejection(assign(1, v1))).isEqualTo(Reason.ROLLBACK_REFUSED);
    assertThat(agent.apply(assign(signer, 1, v1, true, Duration.ofHours(1), v1.length)).result())
        .isEqualTo(DeviceAgent.Result.INSTALLED);
    assertThat(agent.activeVersion()).isEqualTo(1);
  }

  @Test
  void aReplayedOldRollbackIsRefusedAndTheActiveModelStaysEvenAfterARestart() throws Exception {
    byte[] v3 = serveThreeVersions();
    long t = System.currentTimeMillis();
    agent.apply(assign(signer, trainer, 2, v2, 0, t - 30_000, 3_600_000, v2.length));
    Assignment oldRollback = rollback(1, v1, 2, t - 20_000);
    assertThat(agent.apply(oldRollback).result()).isEqualTo(DeviceAgent.Result.INSTALLED);
    agent.apply(assign(signer, trainer, 3, v3, 0, t - 10_000, 3_600_000, v3.length));
    var installed = agent.activeSlot().orElseThrow();

    // the captured rollback is still within its expiry, and correctly signed
    assertThat(rejection(oldRollback)).isEqualTo(Reason.STALE_MANIFEST);
    agent.close();
    try (DeviceAgent restarted = agentAt(dir, Clock.systemUTC()).start()) {
      assertThat(restarted.highestAcceptedVersion()).isEqualTo(3);
      assertThat(rejection(restarted, oldRollback)).isEqualTo(Reason.STALE_MANIFEST);
      // the same transition signed anew still names version 2, not the 3 this device has accepted
      assertThat(rejection(restarted, rollback(1, v1, 2, System.currentTimeMillis()))).isEqualTo(Reason.ROLLBACK_REFUSED);
      assertThat(restarted.activeSlot()).contains(installed);
      assertThat(Files.readAllBytes(installed.file())).isEqualTo(v3);
      // a rollback of what the device runs is accepted
      assertThat(restarted.apply(rollback(1, v1, 3, System.currentTimeMillis())).result())
          .isEqualTo(DeviceAgent.Result.INSTALLED);
    }
  }

  @Test
  void aRollbackRemembersTheHigherVersionSoAnOlderRollbackIsNotReplayedAfterIt() throws Exception {
    byte[] v3 = serveThreeVersions();
    long now = System.currentTimeMillis();
    agent.apply(assign(3, v3));
    assertThat(agent.apply(rollback(2, v2, 3, now)).result()).isEqualTo(DeviceAgent.Result.INSTALLED);
    // running 2, but 3 has been accepted: a rollback that only undoes version 2 is not for this device
    assertThat(rejection(rollback(1, v1, 2, now + 1))).isEqualTo(Reason.ROLLBACK_REFUSED);
    assertThat(rejection(assign(signer, trainer, 1, v1, 0, now + 1, 3_600_000, v1.length))).isEqualTo(Reason.ROLLBACK_REFUSED);
    assertThat(agent.activeVersion()).isEqualTo(2);
    assertThat(agent.highestAcceptedVersion()).isEqualTo(3);
  }

  @Test
  void aManifestOlderThanTheTimeFloorIsRefusedWhateverTheDeviceClockSays() throws Exception {
    byte[] v3 = serveThreeVersions();
    long t = System.currentTimeMillis();
    agent.apply(assign(signer, trainer, 2, v2, 0, t, 3_600_000, v2.length));
    var installed = agent.activeSlot().orElseThrow();
    // a higher version, correctly signed and unexpired, but issued before what the device accepted
    assertThat(rejection(assign(signer, trainer, 3, v3, 0, t - 1, 3_600_000, v3.length))).isEqualTo(Reason.STALE_MANIFEST);
    agent.close();

    // the device restarts with its clock two hours back: a manifest that expired before the
    // floor is expired, though the device clock says otherwise
    Clock behind = Clock.offset(Clock.systemUTC(), Duration.ofHours(-2));
    try (DeviceAgent restarted = agentAt(dir, behind).start()) {
      Assignment old = assign(signer, trainer, 3, v3, 0, t - 7_200_000, 3_600_000, v3.length);
      assertThat(rejection(restarted, old)).isEqualTo(Reason.EXPIRED);
      assertThat(restarted.activeSlot()).contains(installed);
      assertThat(restarted.apply(assign(signer, trainer, 3, v3, 0, t + 1, 3_600_000, v3.length)).result())
          .isEqualTo(DeviceAgent.Result.INSTALLED);
    }
  }

  @Test
  void aFailedHealthCheckRevertsToThePreviousSlot() throws Exception {
    server.put(Students.sha256(v1), v1, Mode.NORMAL);
    agent.apply(assign(1, v1));
    byte[] broken = Students.broken(784, 10, 2);
    server.put(Students.sha256(broken), broken, Mode.NORMAL);
    assertThatThrownBy(() -> agent.apply(assign(2, broken)))
        .isInstanceOfSatisfying(UpdateRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.HEALTH_CHECK_FAILED));
    Slots slots = new Slots(dir.resolve("slots"));
    assertThat(slots.active().orElseThrow().version()).isEqualTo(1);
    assertThat(agent.activeVersion()).isEqualTo(1);
  }

  @Test
  void aDownloadThatStallsIsAbandonedAndResumedInsteadOfHangingTheDevice() throws Exception {
    byte[] big = Students.random(784, 256, 10, 8, 1);
    server.put(Students.sha256(big), big, Mode.NORMAL);
    CuttingProxy proxy = new CuttingProxy(server.uri(), 200 + big.length / 2, true);
    PublisherClient client = new PublisherClient(PublisherClient.newHttpClient(Executors.newFixedThreadPool(1)), proxy.uri(),
        Duration.ofMillis(500));
    DeviceAgent fresh = new DeviceAgent(new DeviceAgent.Settings("dev-3", "token", MODEL, new ManifestVerifier(root.trust()),
        dir.resolve("d3"), 64L << 20, Duration.ofHours(1), false), client, new OrtRuntime(1), scheduler, Runnable::run,
        Clock.systemUTC());
    try {
      assertThat(fresh.apply(assign(1, big)).result()).isEqualTo(DeviceAgent.Result.INSTALLED);
      assertThat(client.downloadedBytes()).isLessThanOrEqualTo((long) (1.5 * big.length));
    } finally {
      fresh.close();
      proxy.close();
    }
  }

  @Test
  void aDownloadCutHalfWayResumesAndCompletesWithAVerifiedHash() throws Exception {
    byte[] big = Students.random(784, 256, 10, 9, 1); // ~800 KB
    server.put(Students.sha256(big), big, Mode.NORMAL);
    CuttingProxy proxy = new CuttingProxy(server.uri(), 200 + big.length / 2, false); // headers + half the body
    PublisherClient client = new PublisherClient(PublisherClient.newHttpClient(Executors.newFixedThreadPool(1)), proxy.uri());
    DeviceAgent fresh = new DeviceAgent(new DeviceAgent.Settings("dev-2", "token", MODEL, new ManifestVerifier(root.trust()),
        dir.resolve("d2"), 64L << 20, Duration.ofHours(1), false), client, new OrtRuntime(1), scheduler, Runnable::run,
        Clock.systemUTC());
    try {
      assertThat(fresh.apply(assign(1, big)).result()).isEqualTo(DeviceAgent.Result.INSTALLED);
      assertThat(server.requests.get()).as("first request cut, second resumed").isEqualTo(2);
      assertThat(client.downloadedBytes()).isGreaterThanOrEqualTo(big.length).isLessThanOrEqualTo((long) (1.5 * big.length));
      assertThat(Students.sha256(Files.readAllBytes(fresh.activeSlot().orElseThrow().file()))).isEqualTo(Students.sha256(big));
    } finally {
      fresh.close();
      proxy.close();
    }
  }
}
