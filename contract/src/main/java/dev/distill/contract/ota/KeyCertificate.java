package dev.distill.contract.ota;

import java.security.PublicKey;
import java.time.Instant;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * The root's statement that a key may sign in one role until a time: {@code distill-ota-keycert/1}
 * (see {@code docs/ota-manifest.md}). It travels as a {@link SignedDocument} signed by the root.
 *
 * @param keyId {@link Ed25519Keys#keyId} of {@code publicKey}; checked to match it
 * @param publicKey standard base64 of the raw 32-byte Ed25519 public key
 * @param rootKeyId the key id of the root that signs this certificate
 * @param serial the root's number for this certificate (the CLI uses the issue time): two
 *     certificates of one key for one period are told apart by it
 */
public record KeyCertificate(
    KeyRole role, String keyId, String publicKey, String rootKeyId, long serial, long issuedAtMs, long expiresAtMs) {

  public static final String FORMAT_LINE = "distill-ota-keycert/1";
  public static final Pattern KEY_ID = Pattern.compile("[0-9a-f]{16}");
  private static final String[] KEYS = {"role", "key-id", "public-key", "root", "serial", "issued", "expires"};

  public KeyCertificate {
    CanonicalText.require(role != null, "role is required");
    CanonicalText.require(rootKeyId != null && KEY_ID.matcher(rootKeyId).matches(), "root must be 16 lowercase hex digits");
    CanonicalText.require(publicKey != null, "public-key is required");
    PublicKey key;
    try {
      key = Ed25519Keys.publicKey(Base64.getDecoder().decode(publicKey));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("public-key is not the base64 of a raw Ed25519 key: " + e.getMessage(), e);
    }
    CanonicalText.require(Ed25519Keys.keyId(key).equals(keyId), "key-id must be the id of public-key");
    CanonicalText.require(serial >= 0, "serial must not be negative");
    CanonicalText.require(expiresAtMs > issuedAtMs, "expiry must come after issue");
  }

  /** A certificate for {@code key}. */
  public static KeyCertificate of(KeyRole role, PublicKey key, String rootKeyId, long serial, long issuedAtMs, long expiresAtMs) {
    return new KeyCertificate(role, Ed25519Keys.keyId(key), Base64.getEncoder().encodeToString(Ed25519Keys.raw(key)),
        rootKeyId, serial, issuedAtMs, expiresAtMs);
  }

  public PublicKey key() {
    return Ed25519Keys.publicKey(Base64.getDecoder().decode(publicKey));
  }

  public Instant expiresAt() {
    return Instant.ofEpochMilli(expiresAtMs);
  }

  /** The exact bytes the root signs. */
  public byte[] canonicalBytes() {
    return CanonicalText.write(FORMAT_LINE, "role", role.label(), "key-id", keyId, "public-key", publicKey,
        "root", rootKeyId, "serial", Long.toString(serial), "issued", Long.toString(issuedAtMs),
        "expires", Long.toString(expiresAtMs));
  }

  /** @throws IllegalArgumentException when the bytes are not a canonical certificate */
  public static KeyCertificate parse(byte[] bytes) {
    String[] v = CanonicalText.values(bytes, "certificate", FORMAT_LINE, KEYS);
    KeyCertificate c = new KeyCertificate(KeyRole.of(v[0]), v[1], v[2], v[3], CanonicalText.number(v[4]),
        CanonicalText.number(v[5]), CanonicalText.number(v[6]));
    CanonicalText.requireCanonical(c.canonicalBytes(), bytes, "certificate");
    return c;
  }
}
