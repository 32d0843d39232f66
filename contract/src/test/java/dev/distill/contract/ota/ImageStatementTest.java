package dev.distill.contract.ota;

import static dev.distill.contract.ota.ManifestTest.reason;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.contract.ota.ManifestRejectedException.Reason;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The trainer's image statement: its bytes, and every way a device refuses it beside a valid manifest. */
class ImageStatementTest {
  static final String SHA = "b".repeat(64);
  static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  final RootAuthority root = new RootAuthority(Ed25519Keys.generate());
  final ImageSigner trainer = ImageSigner.certifiedBy(root, NOW, Duration.ofDays(30));
  final ImageVerifier verifier = new ImageVerifier(root.trust());
  final Manifest manifest = new Manifest("mnist-student", 7, SHA, 1234, NOW.toEpochMilli(), NOW.plusSeconds(3600).toEpochMilli(),
      "r", false, 0);
  final ImageStatement statement = ImageStatement.of(manifest);

  @Test
  void canonicalBytesAreTheDocumentedLinesAndParseBackToTheSameStatement() {
    assertThat(new String(statement.canonicalBytes(), StandardCharsets.US_ASCII))
        .isEqualTo("distill-ota-image/1\nmodel=mnist-student\nversion=7\nsha256=" + SHA + "\nlength=1234\n");
    assertThat(ImageStatement.parse(statement.canonicalBytes())).isEqualTo(statement);
  }

  @Test
  void parsingRefusesNonCanonicalSpellings() {
    String text = new String(statement.canonicalBytes(), StandardCharsets.US_ASCII);
    for (String bad : new String[] {
      text.replace("version=7", "version=07"),
      text.replace("length=1234", "length=+1234"),
      text.replace("version=7", "version=0"),
      text.replace(SHA, SHA.toUpperCase()),
      text.replace("\n", "\r\n"),
      text.replace("distill-ota-image/1", "distill-ota-image/2"),
      text + "extra=1\n",
      text.substring(0, text.length() - 1),
      text.replace("model=mnist-student\nversion=7", "version=7\nmodel=mnist-student")}) {
      assertThatThrownBy(() -> ImageStatement.parse(bad.getBytes(StandardCharsets.US_ASCII)))
          .as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void aStatementSignedByACertifiedImageKeyForTheManifestsArtifactVerifies() throws Exception {
    assertThat(verifier.verify(trainer.sign(statement), manifest, NOW, Set.of())).isEqualTo(statement);
  }

  @Test
  void aStatementForAnotherArtifactIsAMismatch() {
    for (ImageStatement other : List.of(new ImageStatement("mnist-student", 7, "c".repeat(64), 1234),
        new ImageStatement("mnist-student", 6, SHA, 1234), new ImageStatement("mnist-student", 7, SHA, 1235),
        new ImageStatement("other-model", 7, SHA, 1234))) {
      assertThat(reason(() -> verifier.verify(trainer.sign(other), manifest, NOW, Set.of()))).as(other.toString())
          .isEqualTo(Reason.IMAGE_MISMATCH);
    }
  }

  @Test
  void eachProblemWithTheImageKeyOrItsSignatureIsRefusedWithItsReason() {
    SignedImage good = trainer.sign(statement);
    assertThat(reason(() -> verifier.verify(null, manifest, NOW, Set.of()))).isEqualTo(Reason.IMAGE_SIGNATURE_MISSING);
    // a forger's signature under the trainer's key id and certificate
    SignedImage forged = new ImageSigner(Ed25519Keys.generate(), null).sign(statement);
    assertThat(reason(() -> verifier.verify(new SignedImage(forged.payload(), good.keyId(), forged.signature(), good.certificate()),
        manifest, NOW, Set.of()))).isEqualTo(Reason.BAD_SIGNATURE);
    // the genuine signature over changed bytes
    String other = Base64.getEncoder().encodeToString(new ImageStatement("mnist-student", 7, SHA, 99).canonicalBytes());
    assertThat(reason(() -> verifier.verify(new SignedImage(other, good.keyId(), good.signature(), good.certificate()), manifest, NOW,
        Set.of()))).isEqualTo(Reason.BAD_SIGNATURE);
    assertThat(reason(() -> verifier.verify(new SignedImage(good.payload(), good.keyId(), good.signature(), null), manifest, NOW,
        Set.of()))).isEqualTo(Reason.UNTRUSTED_KEY);
    SignedImage otherRoot = ImageSigner.certifiedBy(new RootAuthority(Ed25519Keys.generate()), NOW, Duration.ofDays(30))
        .sign(statement);
    assertThat(reason(() -> verifier.verify(otherRoot, manifest, NOW, Set.of()))).isEqualTo(Reason.UNTRUSTED_KEY);
    assertThat(reason(() -> verifier.verify(good, manifest, NOW.plus(Duration.ofDays(30)), Set.of()))).isEqualTo(Reason.KEY_EXPIRED);
    assertThat(reason(() -> verifier.verify(good, manifest, NOW, Set.of(trainer.keyId())))).isEqualTo(Reason.KEY_REVOKED);
    assertThat(reason(() -> verifier.verify(new SignedImage("***", good.keyId(), good.signature(), good.certificate()), manifest,
        NOW, Set.of()))).isEqualTo(Reason.MALFORMED);
  }

  @Test
  void aPublisherKeyCannotSignImages() {
    var key = Ed25519Keys.generate();
    SignedDocument publisherCert = root.certify(key.getPublic(), KeyRole.PUBLISHER, NOW, Duration.ofDays(30));
    SignedImage byPublisher = new ImageSigner(key, publisherCert).sign(statement);
    assertThat(reason(() -> verifier.verify(byPublisher, manifest, NOW, Set.of()))).isEqualTo(Reason.UNTRUSTED_KEY);
  }

  @Test
  void aManifestVerifiesOnlyWithTheImageStatementOfItsArtifact() throws Exception {
    var key = Ed25519Keys.generate();
    ManifestSigner s = new ManifestSigner(key, root.certify(key.getPublic(), KeyRole.PUBLISHER, NOW, Duration.ofDays(30)));
    ManifestVerifier device = new ManifestVerifier(root.trust());
    assertThat(device.verify(s.sign(manifest, trainer.sign(statement)), "mnist-student", NOW, Set.of())).isEqualTo(manifest);
    assertThat(reason(() -> device.verify(s.sign(manifest, null), "mnist-student", NOW, Set.of())))
        .isEqualTo(Reason.IMAGE_SIGNATURE_MISSING);
    SignedImage ofV6 = trainer.sign(new ImageStatement("mnist-student", 6, SHA, 1234));
    assertThat(reason(() -> device.verify(s.sign(manifest, ofV6), "mnist-student", NOW, Set.of()))).isEqualTo(Reason.IMAGE_MISMATCH);
  }

  @Test
  void theSignatureSurvivesTheModelVersionProtoUnchanged() throws Exception {
    SignedImage signed = trainer.sign(statement);
    SignedImage back = SignedImage.fromProto(dev.distill.contract.proto.ImageSignature.parseFrom(signed.toProto().toByteArray()));
    assertThat(back).isEqualTo(signed);
    assertThat(verifier.verify(back, manifest, NOW, Set.of())).isEqualTo(statement);
    assertThat(SignedImage.fromProto(dev.distill.contract.proto.ImageSignature.getDefaultInstance())).isNull();
  }
}
