package dev.distill.contract.ota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.contract.ota.ManifestRejectedException.Reason;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Instant;
import java.util.Base64;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestTest {
  static final String SHA = "a".repeat(64);
  static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  final RootAuthority root = new RootAuthority(Ed25519Keys.generate());
  final ManifestVerifier verifier = new ManifestVerifier(root.trust());
  final Manifest manifest = new Manifest("mnist-student", 7, SHA, 1234, NOW.toEpochMilli(),
      NOW.plusSeconds(3600).toEpochMilli(), "mnist-student:v7", false, 0);
  /** The trainer's signature of the manifest's artifact, by an image key the test root certifies. */
  final SignedImage image = ImageSigner.certifiedBy(root, NOW, java.time.Duration.ofDays(1)).sign(ImageStatement.of(manifest));

  @Test
  void canonicalBytesAreTheDocumentedLinesAndParseBackToTheSameManifest() {
    String text = new String(manifest.canonicalBytes(), StandardCharsets.US_ASCII);
    assertThat(text).isEqualTo("distill-ota-manifest/2\nmodel=mnist-student\nversion=7\nsha256=" + SHA
        + "\nlength=1234\nissued=1767225600000\nexpires=1767229200000\nrollout=mnist-student:v7\nrollback=false\nrollback-from=0\n");
    assertThat(Manifest.parse(manifest.canonicalBytes())).isEqualTo(manifest);
  }

  @Test
  void parsingRefusesNonCanonicalSpellings() {
    String text = new String(manifest.canonicalBytes(), StandardCharsets.US_ASCII);
    for (String bad : new String[] {
      text.replace("version=7", "version=07"),
      text.replace("version=7", "version=+7"),
      text.replace("\n", "\r\n"),
      text + "extra=1\n",
      text.substring(0, text.length() - 1),
      text.replace("rollback=false", "rollback=no"),
      text.replace("rollback-from=0", "rollback-from=8"),
      text.replace("rollback=false\nrollback-from=0", "rollback=true\nrollback-from=0"),
      text.replace("rollback=false\nrollback-from=0", "rollback=true\nrollback-from=7")}) {
      assertThatThrownBy(() -> Manifest.parse(bad.getBytes(StandardCharsets.US_ASCII)))
          .as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }

  /** A publisher signer whose key the test root certifies for a day from {@link #NOW}. */
  ManifestSigner certified(KeyPair publisher) {
    return new ManifestSigner(publisher, root.certify(publisher.getPublic(), KeyRole.PUBLISHER, NOW, java.time.Duration.ofDays(1)));
  }

  @Test
  void aSignedManifestVerifiesUnderThePinnedRootOnly() throws Exception {
    KeyPair publisher = Ed25519Keys.generate();
    SignedManifest signed = certified(publisher).sign(manifest, image);
    assertThat(verifier.verify(signed, "mnist-student", NOW, Set.of())).isEqualTo(manifest);

    ManifestVerifier other = new ManifestVerifier(new RootOfTrust(Ed25519Keys.generate().getPublic()));
    assertThatThrownBy(() -> other.verify(signed, "mnist-student", NOW, Set.of()))
        .isInstanceOfSatisfying(ManifestRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNTRUSTED_KEY));
  }

  @Test
  void eachTamperingIsRejectedWithItsOwnReason() throws Exception {
    ManifestSigner signer = certified(Ed25519Keys.generate());
    SignedManifest signed = signer.sign(manifest, image);

    byte[] payload = Base64.getDecoder().decode(signed.payload());
    payload[payload.length - 3] ^= 1; // rollback=false -> rollback=falre... a changed byte
    SignedManifest tampered = new SignedManifest(Base64.getEncoder().encodeToString(payload), signed.keyId(), signed.signature(),
        signed.certificate(), image);
    assertThat(reason(() -> verifier.verify(tampered, "mnist-student", NOW, Set.of()))).isEqualTo(Reason.BAD_SIGNATURE);

    // a key id and certificate copied from the real publisher do not make a forger's signature valid
    SignedManifest forged = new ManifestSigner(Ed25519Keys.generate(), null).sign(manifest, image);
    assertThat(reason(() -> verifier.verify(new SignedManifest(forged.payload(), signed.keyId(), forged.signature(),
        signed.certificate(), image), "mnist-student", NOW, Set.of()))).isEqualTo(Reason.BAD_SIGNATURE);
    // the forger's own key, with the publisher's certificate, is not the certified key
    assertThat(reason(() -> verifier.verify(new SignedManifest(forged.payload(), forged.keyId(), forged.signature(),
        signed.certificate(), image), "mnist-student", NOW, Set.of()))).isEqualTo(Reason.UNKNOWN_KEY);

    assertThat(reason(() -> verifier.verify(signed, "mnist-student", NOW.plusSeconds(3600), Set.of()))).isEqualTo(Reason.EXPIRED);
    assertThat(reason(() -> verifier.verify(signed, "other-model", NOW, Set.of()))).isEqualTo(Reason.WRONG_MODEL);
    assertThat(reason(() -> verifier.verify(new SignedManifest("***", signed.keyId(), signed.signature(), signed.certificate(), image),
        "mnist-student", NOW, Set.of()))).isEqualTo(Reason.MALFORMED);
  }

  @Test
  void keysSurviveARestartThroughTheirPemFiles(@TempDir Path dir) throws Exception {
    KeyPair first = Ed25519Keys.loadOrCreate(dir.resolve("signing.pem"));
    KeyPair again = Ed25519Keys.loadOrCreate(dir.resolve("signing.pem"));
    assertThat(Ed25519Keys.keyId(again.getPublic())).isEqualTo(Ed25519Keys.keyId(first.getPublic()));
    SignedManifest signed = certified(again).sign(manifest, image);
    var raw = Ed25519Keys.raw(first.getPublic());
    assertThat(raw).hasSize(32);
    assertThat(KeyCertificate.parse(signed.certificate().unverifiedPayload()).key()).isEqualTo(Ed25519Keys.publicKey(raw));
    assertThat(verifier.verify(signed, "mnist-student", NOW, Set.of())).isEqualTo(manifest);
    assertThatThrownBy(() -> Ed25519Keys.create(dir.resolve("signing.pem")))
        .isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
  }

  public interface Call {
    void run() throws Exception;
  }

  public static Reason reason(Call call) {
    try {
      call.run();
    } catch (ManifestRejectedException e) {
      return e.reason();
    } catch (Exception e) {
      throw new AssertionError("unexpected " + e, e);
    }
    throw new AssertionError("accepted");
  }
}
