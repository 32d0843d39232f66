package dev.distill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.contract.ota.Ed25519Keys;
import dev.distill.contract.ota.KeyCertificate;
import dev.distill.contract.ota.KeyRole;
import dev.distill.contract.ota.RevocationList;
import dev.distill.contract.ota.RootOfTrust;
import dev.distill.contract.ota.SignedDocument;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code distill keys ...}: the offline root's commands, their files and their refusals. */
class KeysCommandTest {
  @TempDir Path dir;

  static CliRun run(String... args) {
    return CliRun.of(args);
  }

  RootOfTrust initRoot() throws Exception {
    assertThat(run("keys", "init-root", "--dir", dir.resolve("root").toString()).rc()).isZero();
    return new RootOfTrust(Ed25519Keys.publicKeyPem(Files.readString(dir.resolve("root/root.pem.pub"))));
  }

  @Test
  void initRootCreatesAPrivateRootAndNeverOverwritesIt() throws Exception {
    CliRun first = run("keys", "init-root", "--dir", dir.toString());
    assertThat(first.rc()).isZero();
    assertThat(Files.getPosixFilePermissions(dir.resolve("root.pem")))
        .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    String pub = Files.readString(dir.resolve("root.pem.pub"));
    assertThat(first.out()).contains(Ed25519Keys.keyId(Ed25519Keys.publicKeyPem(pub)));

    CliRun again = run("keys", "init-root", "--dir", dir.toString());
    assertThat(again.rc()).isEqualTo(1);
    assertThat(again.err()).contains("never overwritten");
    assertThat(Files.readString(dir.resolve("root.pem.pub"))).isEqualTo(pub);
  }

  @Test
  void certifyWritesACertificateTheRootVerifiesAndRefusesABadRole() throws Exception {
    RootOfTrust root = initRoot();
    var key = Ed25519Keys.create(dir.resolve("publisher.pem"));
    Path cert = dir.resolve("publisher.cert");
    CliRun ok = run("keys", "certify", "--root", dir.resolve("root/root.pem").toString(), "--key",
        dir.resolve("publisher.pem.pub").toString(), "--role", "publisher", "--valid-days", "30", "--out", cert.toString());
    assertThat(ok.rc()).as(ok.err()).isZero();
    String keyId = Ed25519Keys.keyId(key.getPublic());
    KeyCertificate c = root.certified(SignedDocument.read(cert), KeyRole.PUBLISHER, keyId, Instant.now(), Set.of());
    assertThat(c.expiresAt()).isBetween(Instant.now().plus(Duration.ofDays(29)), Instant.now().plus(Duration.ofDays(30)));
    assertThat(ok.out()).contains(keyId).contains(c.expiresAt().toString());

    CliRun badRole = run("keys", "certify", "--root", dir.resolve("root/root.pem").toString(), "--key",
        dir.resolve("publisher.pem.pub").toString(), "--role", "root", "--out", dir.resolve("x.cert").toString());
    assertThat(badRole.rc()).isEqualTo(1);
    assertThat(badRole.err()).contains("--role must be publisher or image");
    assertThat(dir.resolve("x.cert")).doesNotExist();

    CliRun noRoot = run("keys", "certify", "--root", dir.resolve("missing.pem").toString(), "--key",
        dir.resolve("publisher.pem.pub").toString(), "--role", "image", "--out", dir.resolve("x.cert").toString());
    assertThat(noRoot.rc()).isEqualTo(1);
    assertThat(run("keys", "certify", "--role", "image").rc()).as("missing options").isEqualTo(2);
  }

  @Test
  void rotateWritesANewKeyWithItsCertificateAndNeverIntoAnOccupiedFolder() throws Exception {
    RootOfTrust root = initRoot();
    Path next = dir.resolve("next");
    CliRun ok = run("keys", "rotate", "--root", dir.resolve("root/root.pem").toString(), "--dir", next.toString(),
        "--valid-days", "10");
    assertThat(ok.rc()).as(ok.err()).isZero();
    var pair = Ed25519Keys.load(next.resolve("signing-key.pem"), next.resolve("signing-key.pem.pub"));
    String keyId = Ed25519Keys.keyId(pair.getPublic());
    KeyCertificate c = root.certified(SignedDocument.read(next.resolve("signing-key.cert")), KeyRole.PUBLISHER, keyId,
        Instant.now(), Set.of());
    assertThat(c.expiresAt()).isBefore(Instant.now().plus(Duration.ofDays(10)).plusSeconds(60));
    assertThat(ok.out()).contains("new key " + keyId);

    CliRun again = run("keys", "rotate", "--root", dir.resolve("root/root.pem").toString(), "--dir", next.toString());
    assertThat(again.rc()).isEqualTo(1);
    assertThat(again.err()).contains("exists");
    assertThat(Ed25519Keys.keyId(Ed25519Keys.publicKeyPem(Files.readString(next.resolve("signing-key.pem.pub")))))
        .as("the installed key is untouched").isEqualTo(keyId);
    CliRun badRole = run("keys", "rotate", "--root", dir.resolve("root/root.pem").toString(), "--dir",
        dir.resolve("other").toString(), "--role", "admin");
    assertThat(badRole.rc()).isEqualTo(1);
    assertThat(Files.exists(dir.resolve("other/signing-key.pem"))).as("no key without a certificate").isFalse();
  }

  @Test
  void revokeIncrementsTheSequenceAndKeepsEarlierRevocations() throws Exception {
    RootOfTrust root = initRoot();
    String rootPem = dir.resolve("root/root.pem").toString();
    Path first = dir.resolve("revocations-1.json");
    Path second = dir.resolve("revocations-2.json");
    assertThat(run("keys", "revoke", "--root", rootPem, "--key-id", "00000000000000bb", "--key-id", "00000000000000aa",
        "--out", first.toString()).rc()).isZero();
    CliRun next = run("keys", "revoke", "--root", rootPem, "--key-id", "00000000000000cc", "--previous", first.toString(),
        "--out", second.toString());
    assertThat(next.rc()).as(next.err()).isZero();
    RevocationList list = root.revocations(SignedDocument.read(second));
    assertThat(list.sequence()).isEqualTo(2);
    assertThat(list.revoked()).containsExactly("00000000000000aa", "00000000000000bb", "00000000000000cc");
    assertThat(next.out()).contains("revocation list 2");

    assertThat(run("keys", "revoke", "--root", rootPem, "--key-id", "not-a-key-id", "--out", first.toString()).rc()).isEqualTo(1);
    // a list of another root is not a previous list of this one
    assertThat(run("keys", "init-root", "--dir", dir.resolve("other").toString()).rc()).isZero();
    CliRun foreign = run("keys", "revoke", "--root", dir.resolve("other/root.pem").toString(), "--key-id", "00000000000000dd",
        "--previous", second.toString(), "--out", dir.resolve("x.json").toString());
    assertThat(foreign.rc()).isEqualTo(1);
    assertThat(foreign.err()).contains("is not a revocation list of root");
  }
}
