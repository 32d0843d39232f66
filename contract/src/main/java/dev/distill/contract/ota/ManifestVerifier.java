package dev.distill.contract.ota;

import dev.distill.contract.ota.ManifestRejectedException.Reason;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Instant;
import java.util.Base64;

/**
 * Checks a signed manifest against the one publisher key a device pins: the key id, the
 * signature over the received bytes, then (only then) the content: model and expiry. The
 * version policy (no silent downgrade) needs the device's state and lives with the device.
 */
public final class ManifestVerifier {
  private final PublicKey pinned;
  private final String pinnedKeyId;

  public ManifestVerifier(PublicKey pinned) {
    this.pinned = pinned;
    this.pinnedKeyId = Ed25519Keys.keyId(pinned);
  }

  public String keyId() {
    return pinnedKeyId;
  }

  /**
   * @param expectedModel the model this device runs
   * @return the verified manifest
   */
  public Manifest verify(SignedManifest envelope, String expectedModel, Instant now)
      throws ManifestRejectedException {
    if (envelope == null || envelope.payload() == null || envelope.signature() == null) {
      throw new ManifestRejectedException(Reason.MALFORMED, "manifest, payload or signature missing");
    }
    if (!pinnedKeyId.equals(envelope.keyId())) {
      throw new ManifestRejectedException(Reason.UNKNOWN_KEY,
          "signed by key '" + envelope.keyId() + "', this device trusts only " + pinnedKeyId);
    }
    byte[] payload;
    byte[] sig;
    try {
      payload = Base64.getDecoder().decode(envelope.payload());
      sig = Base64.getDecoder().decode(envelope.signature());
    } catch (IllegalArgumentException e) {
      throw new ManifestRejectedException(Reason.MALFORMED, "not base64: " + e.getMessage());
    }
    try {
      Signature s = Signature.getInstance(Ed25519Keys.ALGORITHM);
      s.initVerify(pinned);
      s.update(payload);
      if (sig.length != 64 || !s.verify(sig)) {
        throw new ManifestRejectedException(Reason.BAD_SIGNATURE, "signature does not match the manifest");
      }
    } catch (GeneralSecurityException e) {
      throw new ManifestRejectedException(Reason.BAD_SIGNATURE, "signature unreadable: " + e.getMessage());
    }
    Manifest m;
    try {
      m = Manifest.parse(payload);
    } catch (IllegalArgumentException e) {
      throw new ManifestRejectedException(Reason.MALFORMED, e.getMessage());
    }
    if (!m.model().equals(expectedModel)) {
      throw new ManifestRejectedException(Reason.WRONG_MODEL,
          "manifest is for model '" + m.model() + "', this device runs '" + expectedModel + "'");
    }
    if (!now.isBefore(m.expiresAt())) {
      throw new ManifestRejectedException(Reason.EXPIRED,
          "manifest for version " + m.version() + " expired at " + m.expiresAt() + " (now " + now + ")");
    }
    return m;
  }
}
