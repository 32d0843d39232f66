package dev.distill.contract.ota;

import static dev.distill.contract.ota.ManifestTest.reason;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.contract.ota.ManifestRejectedException.Reason;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The root certifies online keys for a role and a period and revokes them; devices check all of it. */
class KeyHierarchyTest {
  static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  final RootAuthority root = new RootAuthority(Ed25519Keys.generate());
  final RootOfTrust trust = root.trust();
  final KeyPair publisher = Ed25519Keys.generate();
  final String publisherId = Ed25519Keys.keyId(publisher.getPublic());
  final SignedDocument cert = root.certify(publisher.getPublic(), KeyRole.PUBLISHER, NOW, Duration.ofDays(30));

  static String text(SignedDocument d) {
    return new String(d.unverifiedPayload(), StandardCharsets.US_ASCII);
  }

  static SignedDocument withPayload(SignedDocument d, String text) {
    return new SignedDocument(Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.US_ASCII)), d.keyId(),
        d.signature());
  }

  @Test
  void aCertificateIsTheDocumentedLinesAndParsesBackToItself() {
    String raw = Base64.getEncoder().encodeToString(Ed25519Keys.raw(publisher.getPublic()));
    assertThat(text(cert)).isEqualTo("distill-ota-keycert/1\nrole=publisher\nkey-id=" + publisherId + "\npublic-key=" + raw
        + "\nroot=" + root.keyId() + "\nserial=1767225600000\nissued=1767225600000\nexpires=1769817600000\n");
    KeyCertificate c = KeyCertificate.parse(cert.unverifiedPayload());
    assertThat(c.key()).isEqualTo(publisher.getPublic());
    assertThat(c.role()).isEqualTo(KeyRole.PUBLISHER);
    assertThat(cert.keyId()).isEqualTo(root.keyId());
  }

  @Test
  void aRevocationListIsTheDocumentedLinesSortedAndKeepsEarlierRevocations() throws Exception {
    SignedDocument first = root.revoke(null, List.of("ffffffffffffffff", "0000000000000001"), NOW);
    assertThat(text(first)).isEqualTo("distill-ota-revocations/1\nroot=" + root.keyId()
        + "\nsequence=1\nissued=1767225600000\nrevoked=0000000000000001,ffffffffffffffff\n");
    SignedDocument second = root.revoke(first, List.of("00000000000000aa"), NOW.plusSeconds(1));
    RevocationList list = trust.revocations(second);
    assertThat(list.sequence()).isEqualTo(2);
    assertThat(list.revoked()).containsExactly("0000000000000001", "00000000000000aa", "ffffffffffffffff");
    assertThat(RevocationList.parse(root.revoke(null, List.of(), NOW).unverifiedPayload()).revoked()).isEmpty();
  }

  @Test
  void parsingRefusesNonCanonicalDocuments() {
    String c = text(cert);
    for (String bad : new String[] {
      c.replace("role=publisher", "role=Publisher"),
      c.replace("role=publisher", "role=root"),
      c.replace("key-id=" + publisherId, "key-id=0123456789abcdef"),
      c.replace("serial=", "serial=0"),
      c.replace("\n", "\r\n"),
      c + "extra=1\n"}) {
      assertThatThrownBy(() -> KeyCertificate.parse(bad.getBytes(StandardCharsets.US_ASCII))).as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
    String l = "distill-ota-revocations/1\nroot=" + root.keyId() + "\nsequence=2\nissued=1\nrevoked=";
    assertThat(RevocationList.parse((l + "0000000000000001\n").getBytes(StandardCharsets.US_ASCII)).sequence()).isEqualTo(2);
    for (String bad : new String[] {l + "0000000000000002,0000000000000001\n", l + "0000000000000001,0000000000000001\n",
        l + "0000000000000001,\n", l.replace("sequence=2", "sequence=0") + "\n", l + "ABCDEF0123456789\n"}) {
      assertThatThrownBy(() -> RevocationList.parse(bad.getBytes(StandardCharsets.US_ASCII))).as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void aCertifiedKeyIsTrustedForItsRoleUntilItExpiresOrIsRevoked() throws Exception {
    assertThat(trust.certified(cert, KeyRole.PUBLISHER, publisherId, NOW, Set.of()).key()).isEqualTo(publisher.getPublic());
    assertThat(reason(() -> trust.certified(null, KeyRole.PUBLISHER, publisherId, NOW, Set.of()))).isEqualTo(Reason.UNTRUSTED_KEY);
    assertThat(reason(() -> trust.certified(cert, KeyRole.IMAGE, publisherId, NOW, Set.of()))).isEqualTo(Reason.UNTRUSTED_KEY);
    assertThat(reason(() -> trust.certified(cert, KeyRole.PUBLISHER, publisherId, NOW.plus(Duration.ofDays(30)), Set.of())))
        .isEqualTo(Reason.KEY_EXPIRED);
    assertThat(reason(() -> trust.certified(cert, KeyRole.PUBLISHER, publisherId, NOW, Set.of(publisherId))))
        .isEqualTo(Reason.KEY_REVOKED);
    assertThat(reason(() -> trust.certified(cert, KeyRole.PUBLISHER, "0123456789abcdef", NOW, Set.of())))
        .isEqualTo(Reason.UNKNOWN_KEY);
  }

  @Test
  void aCertificateFromAnotherRootOrTamperedIsNotTrusted() throws Exception {
    RootAuthority other = new RootAuthority(Ed25519Keys.generate());
    SignedDocument foreign = other.certify(publisher.getPublic(), KeyRole.PUBLISHER, NOW, Duration.ofDays(30));
    assertThat(reason(() -> trust.certified(foreign, KeyRole.PUBLISHER, publisherId, NOW, Set.of()))).isEqualTo(Reason.UNTRUSTED_KEY);
    // another root's signature under this root's key id
    SignedDocument claimed = new SignedDocument(foreign.payload(), root.keyId(), foreign.signature());
    assertThat(reason(() -> trust.certified(claimed, KeyRole.PUBLISHER, publisherId, NOW, Set.of()))).isEqualTo(Reason.UNTRUSTED_KEY);
    // a longer validity written into a genuine certificate
    SignedDocument extended = withPayload(cert, text(cert).replace("expires=1769817600000", "expires=1869817600000"));
    assertThat(reason(() -> trust.certified(extended, KeyRole.PUBLISHER, publisherId, NOW.plus(Duration.ofDays(40)), Set.of())))
        .isEqualTo(Reason.UNTRUSTED_KEY);
  }

  @Test
  void aRevocationListFromAnotherRootOrTamperedIsRefused() throws Exception {
    SignedDocument list = root.revoke(null, List.of(publisherId), NOW);
    SignedDocument emptied = withPayload(list, text(list).replace("revoked=" + publisherId, "revoked="));
    assertThat(reason(() -> trust.revocations(emptied))).isEqualTo(Reason.BAD_SIGNATURE);
    SignedDocument foreign = new RootAuthority(Ed25519Keys.generate()).revoke(null, List.of(), NOW);
    assertThat(reason(() -> trust.revocations(foreign))).isEqualTo(Reason.UNTRUSTED_KEY);
    assertThat(reason(() -> root.revoke(foreign, List.of(publisherId), NOW))).isEqualTo(Reason.UNTRUSTED_KEY);
  }

  @Test
  void documentsSurviveTheirFilesAndARootIsReadBack(@TempDir Path dir) throws Exception {
    KeyPair created = Ed25519Keys.create(dir.resolve("root.pem"));
    RootAuthority loaded = RootAuthority.load(dir.resolve("root.pem"));
    assertThat(loaded.keyId()).isEqualTo(Ed25519Keys.keyId(created.getPublic()));
    SignedDocument c = loaded.certify(publisher.getPublic(), KeyRole.IMAGE, NOW, Duration.ofDays(1));
    c.write(dir.resolve("image.cert"));
    SignedDocument back = SignedDocument.read(dir.resolve("image.cert"));
    assertThat(back).isEqualTo(c);
    assertThat(loaded.trust().certified(back, KeyRole.IMAGE, publisherId, NOW, Set.of()).role()).isEqualTo(KeyRole.IMAGE);
  }
}
