package dev.distill.client.agent;

import static dev.distill.client.agent.AgentSecurityTest.rejection;
import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.client.agent.FakeArtifactServer.Mode;
import dev.distill.client.agent.UpdateRejectedException.Reason;
import dev.distill.client.sim.Students;
import dev.distill.contract.ota.Ed25519Keys;
import dev.distill.contract.ota.ImageSigner;
import dev.distill.contract.ota.ImageStatement;
import dev.distill.contract.ota.KeyRole;
import dev.distill.contract.ota.ManifestSigner;
import dev.distill.contract.ota.OtaApi.Assignment;
import dev.distill.contract.ota.RootAuthority;
import dev.distill.contract.ota.SignedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device installs an artifact only when the publisher's manifest and the trainer's image
 * statement both name it: a manifest validly signed by the publisher is refused when the image
 * signature is missing, forged, from another root, expired, revoked, or for another artifact,
 * and the device keeps running what it had.
 */
class ImageSignatureTest {
  static final String MODEL = AgentSecurityTest.MODEL;
  @TempDir Path dir;
  final Instant now = Instant.now();
  final RootAuthority root = new RootAuthority(Ed25519Keys.generate());
  final KeyPair publisherKey = Ed25519Keys.generate();
  final ManifestSigner publisher = new ManifestSigner(publisherKey,
      root.certify(publisherKey.getPublic(), KeyRole.PUBLISHER, now.minus(Duration.ofDays(1)), Duration.ofDays(30)));
  final ImageSigner trainer = ImageSigner.certifiedBy(root, now.minus(Duration.ofDays(1)), Duration.ofDays(30));
  final byte[] v1 = Students.random(784, 16, 10, 1, 1);
  final byte[] v2 = Students.random(784, 16, 10, 2, 2);
  FakeArtifactServer server;
  ScheduledExecutorService scheduler;
  DeviceAgent agent;

  @BeforeEach
  void start() throws Exception {
    server = new FakeArtifactServer();
    for (byte[] v : new byte[][] {v1, v2}) {
      server.put(Students.sha256(v), v, Mode.NORMAL);
    }
    scheduler = Executors.newSingleThreadScheduledExecutor();
    agent = agent();
    assertThat(agent.apply(assign(1, v1, 0, trainer)).result()).isEqualTo(DeviceAgent.Result.INSTALLED);
  }

  @AfterEach
  void stop() {
    agent.close();
    server.close();
    scheduler.shutdownNow();
  }

  DeviceAgent agent() throws Exception {
    return AgentSecurityTest.device(root, dir, server, scheduler, Clock.systemUTC());
  }

  /** A manifest the genuine publisher signed, carrying {@code images}' signature of exactly its artifact. */
  Assignment assign(long version, byte[] artifact, long rollbackFrom, ImageSigner images) {
    return AgentSecurityTest.assign(publisher, images, version, artifact, rollbackFrom, System.currentTimeMillis(), 3_600_000,
        artifact.length);
  }

  /** The publisher's genuine manifest for {@code version}, carrying {@code image} instead of the trainer's statement. */
  Assignment carrying(long version, byte[] artifact, SignedImage image) {
    Assignment a = assign(version, artifact, 0, null);
    return new Assignment(a.deviceId(), a.model(), a.version(), a.sha256(), a.length(), a.rolloutId(), a.rollback(),
        a.manifest().withImage(image), a.artifactPath(), a.pollAfterSeconds(), a.publishedAtMs(), a.eventId());
  }

  void stillRunsVersion1() throws Exception {
    assertThat(agent.activeVersion()).isEqualTo(1);
    assertThat(Files.readAllBytes(agent.activeSlot().orElseThrow().file())).isEqualTo(v1);
  }

  @Test
  void aManifestWithoutTheTrainersSignatureIsRefused() throws Exception {
    assertThat(rejection(agent, assign(2, v2, 0, null))).isEqualTo(Reason.IMAGE_SIGNATURE_MISSING);
    stillRunsVersion1();
    assertThat(server.requests.get()).as("nothing downloaded but version 1").isEqualTo(1);
  }

  @Test
  void aForgedImageSignatureUnderTheTrainersKeyIdAndCertificateIsABadSignature() throws Exception {
    SignedImage forged = new ImageSigner(Ed25519Keys.generate(), null)
        .sign(new ImageStatement(MODEL, 2, Students.sha256(v2), v2.length));
    assertThat(rejection(agent, carrying(2, v2, new SignedImage(forged.payload(), trainer.keyId(), forged.signature(),
        trainer.certificate())))).isEqualTo(Reason.BAD_SIGNATURE);
    stillRunsVersion1();
  }

  @Test
  void anImageKeyFromAnotherRootOrWithoutTheImageRoleIsUntrusted() throws Exception {
    ImageSigner foreign = ImageSigner.certifiedBy(new RootAuthority(Ed25519Keys.generate()), now, Duration.ofDays(30));
    assertThat(rejection(agent, assign(2, v2, 0, foreign))).isEqualTo(Reason.UNTRUSTED_KEY);
    // the compromised publisher signs the image statement with its own key: the wrong role
    ImageSigner publisherAsTrainer = new ImageSigner(publisherKey, publisher.certificate());
    assertThat(rejection(agent, assign(2, v2, 0, publisherAsTrainer))).isEqualTo(Reason.UNTRUSTED_KEY);
    stillRunsVersion1();
  }

  @Test
  void anExpiredImageCertificateIsRefused() throws Exception {
    ImageSigner expired = ImageSigner.certifiedBy(root, now.minus(Duration.ofDays(3)), Duration.ofDays(1));
    assertThat(rejection(agent, assign(2, v2, 0, expired))).isEqualTo(Reason.KEY_EXPIRED);
    stillRunsVersion1();
  }

  @Test
  void aRevokedImageKeyIsRefusedAlsoAfterARestart() throws Exception {
    assertThat(agent.adoptRevocations(root.revoke(null, List.of(trainer.keyId()), now))).isTrue();
    assertThat(rejection(agent, assign(2, v2, 0, trainer))).isEqualTo(Reason.KEY_REVOKED);
    agent.close();
    agent = agent().start();
    assertThat(rejection(agent, assign(2, v2, 0, trainer))).isEqualTo(Reason.KEY_REVOKED);
    stillRunsVersion1();
    ImageSigner next = ImageSigner.certifiedBy(root, now, Duration.ofDays(30));
    assertThat(agent.apply(assign(2, v2, 0, next)).result()).isEqualTo(DeviceAgent.Result.INSTALLED);
  }

  @Test
  void theTrainersStatementOfAnotherArtifactOrVersionIsAMismatch() throws Exception {
    SignedImage ofV1 = trainer.sign(new ImageStatement(MODEL, 1, Students.sha256(v1), v1.length));
    assertThat(rejection(agent, carrying(2, v2, ofV1))).as("version 1's genuine signature on version 2's manifest")
        .isEqualTo(Reason.IMAGE_MISMATCH);
    SignedImage otherBytes = trainer.sign(new ImageStatement(MODEL, 2, Students.sha256(v1), v1.length));
    assertThat(rejection(agent, carrying(2, v2, otherBytes))).isEqualTo(Reason.IMAGE_MISMATCH);
    SignedImage otherLength = trainer.sign(new ImageStatement(MODEL, 2, Students.sha256(v2), v2.length + 1));
    assertThat(rejection(agent, carrying(2, v2, otherLength))).isEqualTo(Reason.IMAGE_MISMATCH);
    stillRunsVersion1();
  }

  @Test
  void aRollbackCarryingTheOlderVersionsOwnImageSignatureIsAccepted() throws Exception {
    assertThat(agent.apply(assign(2, v2, 0, trainer)).result()).isEqualTo(DeviceAgent.Result.INSTALLED);
    // the publisher rolls back to version 1 with version 1's image statement, kept since it was published
    Assignment back = assign(1, v1, 2, trainer);
    assertThat(ImageStatement.parse(java.util.Base64.getDecoder().decode(back.manifest().image().payload())).version())
        .isEqualTo(1);
    assertThat(agent.apply(back).result()).isEqualTo(DeviceAgent.Result.INSTALLED);
    assertThat(agent.activeVersion()).isEqualTo(1);
  }
}
