package dev.distill.client.agent;

import static dev.distill.client.agent.AgentSecurityTest.MODEL;
import static dev.distill.client.agent.AgentSecurityTest.rejection;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.client.agent.FakeArtifactServer.Mode;
import dev.distill.client.agent.UpdateRejectedException.Reason;
import dev.distill.client.sim.Students;
import dev.distill.contract.ota.Ed25519Keys;
import dev.distill.contract.ota.ImageSigner;
import dev.distill.contract.ota.KeyRole;
import dev.distill.contract.ota.ManifestSigner;
import dev.distill.contract.ota.OtaApi;
import dev.distill.contract.ota.OtaApi.Assignment;
import dev.distill.contract.ota.RootAuthority;
import dev.distill.contract.ota.SignedDocument;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device pins only the root: it follows the publisher from one certified key to the next
 * without being provisioned again, and once it holds a root-signed revocation list it refuses
 * the revoked key for good.
 */
class KeyRotationTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;
  final Instant now = Instant.now();
  final RootAuthority root = new RootAuthority(Ed25519Keys.generate());
  final KeyPair keyA = Ed25519Keys.generate();
  final KeyPair keyB = Ed25519Keys.generate();
  final ManifestSigner signerA = certified(root, keyA, KeyRole.PUBLISHER, now.minus(Duration.ofDays(1)), Duration.ofDays(30));
  final ManifestSigner signerB = certified(root, keyB, KeyRole.PUBLISHER, now, Duration.ofDays(30));
  final ImageSigner trainer = ImageSigner.certifiedBy(root, now.minus(Duration.ofDays(1)), Duration.ofDays(30));
  final byte[] v1 = Students.random(784, 16, 10, 1, 1);
  final byte[] v2 = Students.random(784, 16, 10, 2, 2);
  final byte[] v3 = Students.random(784, 16, 10, 3, 3);
  FakeArtifactServer server;
  ScheduledExecutorService scheduler;
  DeviceAgent agent;

  static ManifestSigner certified(RootAuthority by, KeyPair key, KeyRole role, Instant from, Duration validity) {
    return new ManifestSigner(key, by.certify(key.getPublic(), role, from, validity));
  }

  @BeforeEach
  void start() throws Exception {
    server = new FakeArtifactServer();
    for (byte[] v : new byte[][] {v1, v2, v3}) {
      server.put(Students.sha256(v), v, Mode.NORMAL);
    }
    scheduler = Executors.newSingleThreadScheduledExecutor();
    agent = agent();
  }

  @AfterEach
  void stop() {
    agent.close();
    server.close();
    scheduler.shutdownNow();
  }

  /** A device (re)started in the same folder, pinning the same root: never re-provisioned. */
  DeviceAgent agent() throws Exception {
    return AgentSecurityTest.device(root, dir, server, scheduler, Clock.systemUTC());
  }

  Assignment assign(ManifestSigner by, long version, byte[] artifact) {
    return AgentSecurityTest.assign(by, trainer, version, artifact, 0, System.currentTimeMillis(), 3_600_000, artifact.length);
  }

  /** What /v1/keys says: the root, key B and a revocation list. */
  void publisherServes(SignedDocument revocations) throws Exception {
    String raw = Base64.getEncoder().encodeToString(Ed25519Keys.raw(keyB.getPublic()));
    server.keys(JSON.writeValueAsString(new OtaApi.Keys(null, List.of(new OtaApi.PublicKeyInfo(signerB.keyId(), "Ed25519", raw,
        "publisher", signerB.certificate())), revocations)));
  }

  @Test
  void aDeviceFollowsARotationAndRefusesTheRevokedKeyAlsoAfterARestart() throws Exception {
    assertThat(agent.apply(assign(signerA, 1, v1)).result()).isEqualTo(DeviceAgent.Result.INSTALLED);
    // the operator certified key B and restarted the publisher with it
    assertThat(agent.apply(assign(signerB, 2, v2)).result()).isEqualTo(DeviceAgent.Result.INSTALLED);

    // then revoked A: a manifest signed by A (a leaked key, or a publisher left on it) is refused
    publisherServes(root.revoke(null, List.of(signerA.keyId()), now));
    assertThat(rejection(agent, assign(signerA, 3, v3))).isEqualTo(Reason.KEY_REVOKED);
    assertThat(agent.revocationSequence()).isEqualTo(1);
    agent.close();

    // restarted while the publisher answers /v1/keys without any list: the device remembers
    server.keys("{\"keys\":[]}");
    agent = agent().start();
    assertThat(rejection(agent, assign(signerA, 3, v3))).isEqualTo(Reason.KEY_REVOKED);
    assertThat(agent.activeVersion()).isEqualTo(2);
    assertThat(agent.apply(assign(signerB, 3, v3)).result()).isEqualTo(DeviceAgent.Result.INSTALLED);
  }

  @Test
  void anOlderForeignOrTamperedRevocationListIsNotAdopted() throws Exception {
    SignedDocument first = root.revoke(null, List.of(signerA.keyId()), now);
    SignedDocument second = root.revoke(first, List.of("00000000000000aa"), now.plusSeconds(1));
    assertThat(agent.adoptRevocations(second)).isTrue();
    assertThat(agent.adoptRevocations(first)).as("a lower sequence: a rollback of the list").isFalse();
    assertThat(agent.adoptRevocations(second)).as("the same list again").isFalse();

    SignedDocument genuine = root.revoke(second, List.of(), now);
    String text = new String(genuine.unverifiedPayload(), StandardCharsets.US_ASCII);
    SignedDocument emptied = new SignedDocument(Base64.getEncoder().encodeToString(
        text.replaceAll("revoked=.*\n", "revoked=\n").getBytes(StandardCharsets.US_ASCII)), genuine.keyId(), genuine.signature());
    assertThat(agent.adoptRevocations(emptied)).as("tampered").isFalse();
    RootAuthority other = new RootAuthority(Ed25519Keys.generate());
    assertThat(agent.adoptRevocations(other.revoke(null, List.of(), now))).as("another root's").isFalse();
    assertThat(agent.revocationSequence()).isEqualTo(2);

    // a publisher serving the older list does not undo the revocation either
    publisherServes(first);
    assertThat(rejection(agent, assign(signerA, 1, v1))).isEqualTo(Reason.KEY_REVOKED);
    assertThat(agent.revocationSequence()).isEqualTo(2);
    assertThat(agent.apply(assign(signerB, 1, v1)).result()).isEqualTo(DeviceAgent.Result.INSTALLED);
  }

  @Test
  void aKeyWithoutAValidCertificateFromThePinnedRootIsRefused() throws Exception {
    KeyPair key = Ed25519Keys.generate();
    RootAuthority other = new RootAuthority(Ed25519Keys.generate());
    ManifestSigner uncertified = new ManifestSigner(key, null);
    ManifestSigner otherRoot = certified(other, key, KeyRole.PUBLISHER, now, Duration.ofDays(30));
    ManifestSigner expired = certified(root, key, KeyRole.PUBLISHER, now.minus(Duration.ofDays(2)), Duration.ofDays(1));
    ManifestSigner imageRole = certified(root, key, KeyRole.IMAGE, now, Duration.ofDays(30));
    SignedDocument cert = certified(root, key, KeyRole.PUBLISHER, now.minus(Duration.ofDays(2)), Duration.ofDays(1)).certificate();
    String longer = new String(cert.unverifiedPayload(), StandardCharsets.US_ASCII)
        .replaceAll("expires=[0-9]+", "expires=" + now.plus(Duration.ofDays(365)).toEpochMilli());
    ManifestSigner tampered = new ManifestSigner(key, new SignedDocument(
        Base64.getEncoder().encodeToString(longer.getBytes(StandardCharsets.US_ASCII)), cert.keyId(), cert.signature()));

    assertThat(rejection(agent, assign(uncertified, 1, v1))).isEqualTo(Reason.UNTRUSTED_KEY);
    assertThat(rejection(agent, assign(otherRoot, 1, v1))).isEqualTo(Reason.UNTRUSTED_KEY);
    assertThat(rejection(agent, assign(expired, 1, v1))).isEqualTo(Reason.KEY_EXPIRED);
    assertThat(rejection(agent, assign(imageRole, 1, v1))).isEqualTo(Reason.UNTRUSTED_KEY);
    assertThat(rejection(agent, assign(tampered, 1, v1))).isEqualTo(Reason.UNTRUSTED_KEY);
    assertThat(agent.activeVersion()).isZero();
  }
}
