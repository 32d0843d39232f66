package dev.distill.publisher.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.client.agent.DeviceAgent;
import dev.distill.client.agent.OrtRuntime;
import dev.distill.client.agent.UpdateRejectedException;
import dev.distill.client.http.PublisherClient;
import dev.distill.client.sim.Students;
import dev.distill.contract.ota.Ed25519Keys;
import dev.distill.contract.ota.ImageSigner;
import dev.distill.contract.ota.ImageStatement;
import dev.distill.contract.ota.KeyRole;
import dev.distill.contract.ota.Manifest;
import dev.distill.contract.ota.ManifestSigner;
import dev.distill.contract.ota.ManifestVerifier;
import dev.distill.contract.ota.OtaApi;
import dev.distill.contract.ota.RootAuthority;
import dev.distill.contract.ota.RootOfTrust;
import dev.distill.contract.ota.SignedDocument;
import dev.distill.platform.config.ConfigException;
import dev.distill.publisher.PublisherConfig;
import dev.distill.publisher.PublisherService;
import dev.distill.publisher.TestPublishers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's rotation, end to end with the real publisher and a real device that pins only
 * the root: key A certified, v1 installed; the publisher restarted on a certified key B, v2
 * installed without touching the device; A revoked, and a manifest signed by A refused, also
 * after the device restarts.
 */
class KeyRotationAgainstPublisherTest {
  @TempDir Path dir;
  final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  final Instant now = Instant.now();

  /** A small model whose bytes differ by version. */
  static byte[] version(long v) {
    return Students.random(784, 16, 10, v, v);
  }

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  PublisherService publisher(Path key, Path cert, Path root, Path revocations) throws Exception {
    Map<String, String> env = new HashMap<>(Map.of(PublisherConfig.WAVES, "100%", PublisherConfig.MIN_WAVE_DURATION, "0s",
        PublisherConfig.SIGNING_KEY, key.toString(), PublisherConfig.SIGNING_CERT, cert.toString(),
        PublisherConfig.ROOT_PUBLIC_KEY, root.toString()));
    if (revocations != null) {
      env.put(PublisherConfig.KEY_REVOCATIONS, revocations.toString());
    }
    return PublisherService.startInMemory(TestPublishers.config(dir.resolve("publisher-" + key.getParent().getFileName()), env),
        Clock.systemUTC());
  }

  /** The device, (re)started in its folder with the root it was provisioned with; state in memory, so registered again. */
  DeviceAgent device(PublisherService publisher, ManifestVerifier pinned) throws Exception {
    PublisherClient client = new PublisherClient(PublisherClient.newHttpClient(Executors.newFixedThreadPool(1)), publisher.apiUri());
    String token = TestPublishers.admin(publisher).registerOrRotate("dev-1", "m").token();
    return new DeviceAgent(new DeviceAgent.Settings("dev-1", token, "m", pinned, dir.resolve("device"), 64L << 20,
        Duration.ofMillis(200), false), client, new OrtRuntime(1), scheduler, Executors.newSingleThreadExecutor(), Clock.systemUTC());
  }

  Path certify(RootAuthority root, KeyPair key, Path file) throws Exception {
    root.certify(key.getPublic(), KeyRole.PUBLISHER, now, Duration.ofDays(90)).write(file);
    return file;
  }

  @Test
  void aDevicePinningTheRootFollowsARotatedKeyAndRefusesTheRevokedOne() throws Exception {
    Path rootPem = dir.resolve("offline/root.pem");
    RootAuthority root = new RootAuthority(Ed25519Keys.create(rootPem));
    Path rootPub = Ed25519Keys.publicPemOf(rootPem);
    // provisioning: the device is given the root's public key, nothing else
    ManifestVerifier pinned = new ManifestVerifier(new RootOfTrust(Ed25519Keys.publicKeyPem(Files.readString(rootPub))));
    Path keyA = dir.resolve("a/key.pem");
    KeyPair pairA = Ed25519Keys.create(keyA);
    Path certA = certify(root, pairA, dir.resolve("a/key.cert"));
    ImageSigner trainer = ImageSigner.certifiedBy(root, now, Duration.ofDays(90));
    byte[] v1 = version(1);
    byte[] v2 = version(2);

    try (PublisherService publisher = publisher(keyA, certA, rootPub, null);
        DeviceAgent agent = device(publisher, pinned)) {
      agent.start();
      publisher.ingest(Students.version("m", 1, v1, trainer), System.currentTimeMillis());
      TestPublishers.await("v1 installed under key A", Duration.ofSeconds(30), () -> agent.activeVersion() == 1);
    }

    Path keyB = dir.resolve("b/key.pem");
    Path certB = certify(root, Ed25519Keys.create(keyB), dir.resolve("b/key.cert"));
    try (PublisherService publisher = publisher(keyB, certB, rootPub, null);
        DeviceAgent agent = device(publisher, pinned)) {
      assertThat(new PublisherClient(java.net.http.HttpClient.newHttpClient(), publisher.apiUri()).keys().keys())
          .extracting(OtaApi.PublicKeyInfo::keyId).containsExactly(publisher.keyId());
      agent.start();
      publisher.ingest(Students.version("m", 1, v1, trainer), System.currentTimeMillis());
      publisher.ingest(Students.version("m", 2, v2, trainer), System.currentTimeMillis());
      TestPublishers.await("v2 installed under key B", Duration.ofSeconds(30), () -> agent.activeVersion() == 2);
    }

    Path list = dir.resolve("offline/revocations.json");
    root.revoke(null, List.of(Ed25519Keys.keyId(pairA.getPublic())), now).write(list);
    assertThatThrownBy(() -> publisher(keyA, certA, rootPub, list)).isInstanceOf(ConfigException.class)
        .hasMessageContaining(PublisherConfig.KEY_REVOCATIONS);
    // whoever still holds key A signs v3; the device learns of the revocation from the genuine publisher
    byte[] v3 = version(3);
    ManifestSigner leaked = new ManifestSigner(pairA, SignedDocument.read(certA));
    try (PublisherService publisher = publisher(keyB, certB, rootPub, list);
        DeviceAgent agent = device(publisher, pinned)) {
      assertThat(reason(agent, signedBy(leaked, trainer, 3, v3))).isEqualTo(UpdateRejectedException.Reason.KEY_REVOKED);
      assertThat(agent.revocationSequence()).isEqualTo(1);
    }
    // restarted against a publisher that serves no revocation list (as before the revocation): it remembers
    try (PublisherService publisher = publisher(keyB, certB, rootPub, null);
        DeviceAgent agent = device(publisher, pinned)) {
      agent.start();
      assertThat(reason(agent, signedBy(leaked, trainer, 3, v3))).isEqualTo(UpdateRejectedException.Reason.KEY_REVOKED);
      assertThat(agent.activeVersion()).isEqualTo(2);
    }
  }

  /** A manifest signed by {@code signer}, carrying {@code trainer}'s genuine image statement of the artifact. */
  static OtaApi.Assignment signedBy(ManifestSigner signer, ImageSigner trainer, long version, byte[] artifact) {
    long t = System.currentTimeMillis();
    String sha = Students.sha256(artifact);
    Manifest m = new Manifest("m", version, sha, artifact.length, t, t + 3_600_000, "r", false, 0);
    return new OtaApi.Assignment("dev-1", "m", version, sha, artifact.length, "r", false,
        signer.sign(m, trainer.sign(ImageStatement.of(m))),
        OtaApi.path(OtaApi.ARTIFACT, sha), 60, t, "r/" + version);
  }

  static UpdateRejectedException.Reason reason(DeviceAgent agent, OtaApi.Assignment a) {
    try {
      agent.apply(a);
    } catch (UpdateRejectedException e) {
      return e.reason();
    }
    throw new AssertionError("accepted " + a);
  }
}
