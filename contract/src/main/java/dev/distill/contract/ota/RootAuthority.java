package dev.distill.contract.ota;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The offline root key at work: it certifies online keys for a role and a period, and signs
 * revocation lists. Used by {@code distill keys}, by the publisher's dev mode and by tests; in
 * production its private key stays off every online machine.
 */
public final class RootAuthority {
  private final KeyPair root;
  private final String keyId;

  public RootAuthority(KeyPair root) {
    this.root = root;
    this.keyId = Ed25519Keys.keyId(root.getPublic());
  }

  /** The root at {@code rootPem}, its public key beside it ({@code .pub}). */
  public static RootAuthority load(Path rootPem) throws IOException {
    Path pub = Ed25519Keys.publicPemOf(rootPem);
    if (!Files.exists(pub)) {
      throw new IOException(rootPem + " has no public key beside it (" + pub + ")");
    }
    return new RootAuthority(Ed25519Keys.load(rootPem, pub));
  }

  public String keyId() {
    return keyId;
  }

  public PublicKey publicKey() {
    return root.getPublic();
  }

  public RootOfTrust trust() {
    return new RootOfTrust(root.getPublic());
  }

  /** A certificate for {@code key} in {@code role}, valid from {@code issued} for {@code validity}; its serial is the issue time. */
  public SignedDocument certify(PublicKey key, KeyRole role, Instant issued, Duration validity) {
    if (validity.isNegative() || validity.isZero()) {
      throw new IllegalArgumentException("a certificate must be valid for some time, not " + validity);
    }
    long from = issued.toEpochMilli();
    return SignedDocument.sign(root, KeyCertificate.of(role, key, keyId, from, from, from + validity.toMillis()).canonicalBytes());
  }

  /**
   * The revocation list after {@code previous} (null for the first) that also revokes {@code keyIds}.
   *
   * @throws ManifestRejectedException when {@code previous} is not a list this root signed
   */
  public SignedDocument revoke(SignedDocument previous, List<String> keyIds, Instant now) throws ManifestRejectedException {
    RevocationList before = previous == null ? null : trust().revocations(previous);
    return SignedDocument.sign(root, RevocationList.next(before, keyId, keyIds, now.toEpochMilli()).canonicalBytes());
  }
}
