package dev.distill.contract.ota;

/** A manifest a device must not act on, with the reason as a stable code. */
public final class ManifestRejectedException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why a manifest is refused; stable names, reported by devices. */
  public enum Reason {
    /** the envelope or its payload is not well formed */
    MALFORMED,
    /** signed by a key the device does not pin */
    UNKNOWN_KEY,
    /** the signature does not match the payload under the pinned key */
    BAD_SIGNATURE,
    /** past its expiry: possibly a replayed old manifest (freeze attack) */
    EXPIRED,
    /** for another model than the one the device runs */
    WRONG_MODEL
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
