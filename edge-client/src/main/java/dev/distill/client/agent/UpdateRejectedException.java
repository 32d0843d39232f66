package dev.distill.client.agent;

/** An assignment the agent did not install, and why; the active model is unchanged. */
public final class UpdateRejectedException extends Exception {
  private static final long serialVersionUID = 1L;

  public enum Reason {
    /** the manifest or its envelope is not well formed */
    MALFORMED_MANIFEST,
    /** signed by another key than the one its certificate names */
    UNKNOWN_KEY,
    /**
     * the manifest's or the image statement's signing key has no valid certificate from the
     * pinned root for its role (publisher, image)
     */
    UNTRUSTED_KEY,
    /** the certificate of the manifest's or the image statement's signing key has expired */
    KEY_EXPIRED,
    /** the manifest's or the image statement's signing key is on the root-signed revocation list this device holds */
    KEY_REVOKED,
    /** the signature does not match */
    BAD_SIGNATURE,
    /** the manifest expired (a replayed old one: freeze attack) */
    EXPIRED,
    /** for a model this device does not run */
    WRONG_MODEL,
    /** the manifest comes without the trainer's signed image statement (a publisher alone cannot ship a model) */
    IMAGE_SIGNATURE_MISSING,
    /** the trainer's image statement names another model, version, sha256 or length than the manifest */
    IMAGE_MISMATCH,
    /**
     * a lower version than one this device has accepted, without the publisher's signed
     * rollback flag, or a rollback from a version lower than one it has accepted (a replay)
     */
    ROLLBACK_REFUSED,
    /** issued before a manifest this device has already accepted (a replayed old manifest) */
    STALE_MANIFEST,
    /** the server sent more bytes than the signed length (endless data) */
    LENGTH_EXCEEDED,
    /** fewer bytes than the signed length */
    LENGTH_MISMATCH,
    /** the bytes do not hash to the signed sha256 (tampered artifact) */
    HASH_MISMATCH,
    /** the artifact could not be fetched (network, server error); retried later */
    DOWNLOAD_FAILED,
    /** the new model did not load or did not answer a probe with finite probabilities */
    HEALTH_CHECK_FAILED,
    /** the slot could not be written */
    INSTALL_FAILED
  }

  private final Reason reason;

  public UpdateRejectedException(Reason reason, String message) {
    super(reason + ": " + message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  /** The report status the publisher's gates read for this reason. */
  public String reportStatus() {
    return switch (reason) {
      case DOWNLOAD_FAILED, LENGTH_EXCEEDED, LENGTH_MISMATCH -> "DOWNLOAD_FAILED";
      case HEALTH_CHECK_FAILED -> "HEALTH_CHECK_FAILED";
      case INSTALL_FAILED -> "DOWNLOAD_FAILED";
      default -> "VERIFY_FAILED";
    };
  }
}
