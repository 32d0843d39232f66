package dev.distill.contract.ota;

import dev.distill.contract.ota.ManifestRejectedException.Reason;
import java.time.Instant;
import java.util.Set;

/**
 * Checks the trainer's signed image statement for a verified manifest: the image key's
 * certificate from the pinned root (role image, not revoked, unexpired), the signature over the
 * received bytes, and (only then) that the statement names exactly the manifest's model,
 * version, sha256 and length. A publisher key alone can sign any manifest, but not this.
 */
public final class ImageVerifier {
  private final RootOfTrust root;

  public ImageVerifier(RootOfTrust root) {
    this.root = root;
  }

  /**
   * @param manifest the manifest, already verified, whose artifact the statement must name
   * @param now the device's time, never before its time floor
   * @param revoked the key ids of the newest revocation list the device has adopted
   * @return the verified statement
   */
  public ImageStatement verify(SignedImage image, Manifest manifest, Instant now, Set<String> revoked)
      throws ManifestRejectedException {
    if (image == null) {
      throw new ManifestRejectedException(Reason.IMAGE_SIGNATURE_MISSING, "version " + manifest.version()
          + " of " + manifest.model() + " comes without the trainer's image signature");
    }
    ImageStatement s = root.signedContent(image.certificate(), KeyRole.IMAGE, image.keyId(), image.payload(),
        image.signature(), now, revoked, "image statement", ImageStatement::parse);
    ImageStatement expected = ImageStatement.of(manifest);
    if (!s.equals(expected)) {
      throw new ManifestRejectedException(Reason.IMAGE_MISMATCH, "the trainer signed " + s + ", the manifest names " + expected);
    }
    return s;
  }
}
