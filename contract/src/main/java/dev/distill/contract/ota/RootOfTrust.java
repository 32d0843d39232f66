package dev.distill.contract.ota;

import dev.distill.contract.ota.ManifestRejectedException.Reason;
import java.security.PublicKey;
import java.time.Instant;
import java.util.Set;
import java.util.function.Function;

/**
 * The one key a device pins: the offline root. Every other key is trusted only through a
 * certificate the root signed, for one role, until it expires, and while no root-signed
 * revocation list the device holds names it.
 */
public final class RootOfTrust {
  private final PublicKey root;
  private final String rootKeyId;

  public RootOfTrust(PublicKey root) {
    this.root = root;
    this.rootKeyId = Ed25519Keys.keyId(root);
  }

  public PublicKey publicKey() {
    return root;
  }

  public String keyId() {
    return rootKeyId;
  }

  /**
   * The certified key that may sign for {@code role}, checked in the documented order: signed by
   * this root, well formed, for this role and for {@code signingKeyId}, not revoked, unexpired.
   *
   * @param signingKeyId the key id the signed thing names
   * @param now the device's time (never before its time floor)
   * @param revoked the key ids of the newest revocation list the device has adopted
   */
  public KeyCertificate certified(SignedDocument certificate, KeyRole role, String signingKeyId, Instant now,
      Set<String> revoked) throws ManifestRejectedException {
    if (certificate == null) {
      throw new ManifestRejectedException(Reason.UNTRUSTED_KEY, "key " + signingKeyId + " comes without a certificate");
    }
    KeyCertificate c = signedByRoot(certificate, "certificate of key " + signingKeyId, Reason.UNTRUSTED_KEY,
        KeyCertificate::parse, KeyCertificate::rootKeyId);
    if (c.role() != role) {
      throw new ManifestRejectedException(Reason.UNTRUSTED_KEY, "key " + c.keyId() + " is certified for the "
          + c.role().label() + " role, not " + role.label());
    }
    if (!c.keyId().equals(signingKeyId)) {
      throw new ManifestRejectedException(Reason.UNKNOWN_KEY, "signed by key '" + signingKeyId + "', but the certificate is for "
          + c.keyId());
    }
    if (revoked.contains(c.keyId())) {
      throw new ManifestRejectedException(Reason.KEY_REVOKED, "key " + c.keyId() + " has been revoked by the root");
    }
    if (!now.isBefore(c.expiresAt())) {
      throw new ManifestRejectedException(Reason.KEY_EXPIRED, "the certificate of key " + c.keyId() + " expired at "
          + c.expiresAt() + " (now " + now + ")");
    }
    return c;
  }

  /**
   * The content of something a certified key signed (a manifest, an image statement): the key's
   * certificate is checked as in {@link #certified}, then the signature over the received bytes
   * under the certified key, and only then are the bytes parsed.
   *
   * @param what the thing's name in messages ("manifest", "image statement")
   * @throws ManifestRejectedException with the certificate's reason, BAD_SIGNATURE, or MALFORMED
   */
  <T> T signedContent(SignedDocument certificate, KeyRole role, String keyId, String payload, String signature,
      Instant now, Set<String> revoked, String what, Function<byte[], T> parse) throws ManifestRejectedException {
    KeyCertificate key = certified(certificate, role, keyId, now, revoked);
    byte[] bytes = SignedDocument.verifiedPayload(payload, signature, key.key(), Reason.BAD_SIGNATURE, what);
    try {
      return parse.apply(bytes);
    } catch (IllegalArgumentException e) {
      throw new ManifestRejectedException(Reason.MALFORMED, what + ": " + e.getMessage());
    }
  }

  /** A revocation list signed by this root; whether it is newer than the one held is the holder's question. */
  public RevocationList revocations(SignedDocument list) throws ManifestRejectedException {
    if (list == null) {
      throw new ManifestRejectedException(Reason.MALFORMED, "no revocation list");
    }
    return signedByRoot(list, "revocation list", Reason.BAD_SIGNATURE, RevocationList::parse, RevocationList::rootKeyId);
  }

  /**
   * A document's content once it is known to come from this root: the signing key is the root,
   * the signature holds over the received bytes, and only then are they parsed.
   *
   * @param badSignature how a signature that does not hold is reported
   */
  private <T> T signedByRoot(SignedDocument d, String what, Reason badSignature, Function<byte[], T> parse,
      Function<T, String> namedRoot) throws ManifestRejectedException {
    if (!rootKeyId.equals(d.keyId())) {
      throw new ManifestRejectedException(Reason.UNTRUSTED_KEY, what + " is signed by '" + d.keyId()
          + "', this device trusts only root " + rootKeyId);
    }
    byte[] payload = d.verifiedPayload(root, badSignature, what);
    T t;
    try {
      t = parse.apply(payload);
    } catch (IllegalArgumentException e) {
      throw new ManifestRejectedException(Reason.MALFORMED, what + ": " + e.getMessage());
    }
    if (!namedRoot.apply(t).equals(rootKeyId)) {
      throw new ManifestRejectedException(Reason.UNTRUSTED_KEY, what + " names root " + namedRoot.apply(t));
    }
    return t;
  }
}
