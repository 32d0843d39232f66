package dev.distill.contract.ota;

/** A manifest (or the image statement it carries) a device must not act on, with the reason as a stable code. */
public final class ManifestRejectedException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why a manifest is refused; stable names, reported by devices. */
  public enum Reason {
    /** the envelope or its payload is not well formed */
    MALFORMED,
    /** signed by another key than the one its certificate names */
    UNKNOWN_KEY,
    /** the signature does not match the payload under the certified key */
    BAD_SIGNATURE,
    /**
     * the signing key (the publisher's, or the trainer's image key) has no certificate from the
     * pinned root (none, another root's, a tampered one), or one for another role
     */
    UNTRUSTED_KEY,
    /** the signing key's certificate has expired */
    KEY_EXPIRED,
    /** the signing key is on a root-signed revocation list the device holds */
    KEY_REVOKED,
    /** past its expiry: possibly a replayed old manifest (freeze attack) */
    EXPIRED,
    /** for another model than the one the device runs */
    WRONG_MODEL,
    /** the manifest carries no image statement signed by the trainer's key (role image) */
    IMAGE_SIGNATURE_MISSING,
    /** the trainer's image statement names another model, version, sha256 or length than the manifest */
    IMAGE_MISMATCH
  }

  private final Reason reason;

  public ManifestRejectedException(Reason reason, String message) {
    super(reason + ": " + message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
