package dev.distill.contract.ota;

import dev.distill.contract.ota.ManifestRejectedException.Reason;
import java.time.Instant;
import java.util.Set;

/**
 * Checks a signed manifest against the root a device pins: first the signing key's certificate
 * (signed by the root, role publisher, not revoked, unexpired), then the signature over the
 * received bytes with the certified key, then (only then) the content: model and expiry; last
 * the trainer's image statement it carries ({@link ImageVerifier}): both signatures, or none.
 * The version policy (no silent downgrade) needs the device's state and lives with the device.
 */
public final class ManifestVerifier {
  private final RootOfTrust root;
  private final ImageVerifier images;

  public ManifestVerifier(RootOfTrust root) {
    this.root = root;
    this.images = new ImageVerifier(root);
  }

  public RootOfTrust root() {
    return root;
  }

  /**
   * @param expectedModel the model this device runs
   * @param now the device's time, never before its time floor
   * @param revoked the key ids of the newest revocation list the device has adopted
   * @return the verified manifest
   */
  public Manifest verify(SignedManifest envelope, String expectedModel, Instant now, Set<String> revoked)
      throws ManifestRejectedException {
    if (envelope == null || envelope.payload() == null || envelope.signature() == null) {
      throw new ManifestRejectedException(Reason.MALFORMED, "manifest, payload or signature missing");
    }
    Manifest m = root.signedContent(envelope.certificate(), KeyRole.PUBLISHER, envelope.keyId(), envelope.payload(),
        envelope.signature(), now, revoked, "manifest", Manifest::parse);
    if (!m.model().equals(expectedModel)) {
      throw new ManifestRejectedException(Reason.WRONG_MODEL,
          "manifest is for model '" + m.model() + "', this device runs '" + expectedModel + "'");
    }
    if (!now.isBefore(m.expiresAt())) {
      throw new ManifestRejectedException(Reason.EXPIRED,
          "manifest for version " + m.version() + " expired at " + m.expiresAt() + " (now " + now + ")");
    }
    images.verify(envelope.image(), m, now, revoked);
    return m;
  }
}
