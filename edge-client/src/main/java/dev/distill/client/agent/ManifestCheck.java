package dev.distill.client.agent;

import dev.distill.client.agent.UpdateRejectedException.Reason;
import dev.distill.client.http.PublisherClient;
import dev.distill.client.http.PublisherException;
import dev.distill.contract.ota.Manifest;
import dev.distill.contract.ota.ManifestRejectedException;
import dev.distill.contract.ota.ManifestVerifier;
import dev.distill.contract.ota.RevocationList;
import dev.distill.contract.ota.SignedDocument;
import dev.distill.contract.ota.SignedManifest;
import java.io.IOException;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A device's decision whether a manifest is signed by keys it may trust: the manifest by a key
 * certified by the pinned root for the publisher role, the trainer's image statement of the same
 * artifact by one certified for the image role, both unexpired and not on the newest revocation
 * list the device holds. Before it judges a manifest signed by a key this run has not yet
 * verified (at start, and after a rotation of either key) it asks {@code /v1/keys} for a newer
 * revocation list: a key is usually replaced because the old one must be revoked.
 */
final class ManifestCheck {
  private static final Logger log = LoggerFactory.getLogger(ManifestCheck.class);

  private final String deviceId;
  private final ManifestVerifier verifier;
  private final TrustState trust;
  private final PublisherClient client;
  private final Clock clock;
  /** The publisher's and the trainer's key ids of the last manifest verified. */
  private volatile List<String> verifiedKeys = List.of();

  ManifestCheck(String deviceId, ManifestVerifier verifier, TrustState trust, PublisherClient client, Clock clock) {
    this.deviceId = deviceId;
    this.verifier = verifier;
    this.trust = trust;
    this.client = client;
    this.clock = clock;
  }

  /** The verified manifest of an assignment, judged at the device's time (never before its time floor). */
  Manifest verify(SignedManifest envelope, String model) throws UpdateRejectedException {
    if (envelope != null && !keys(envelope).equals(verifiedKeys)) {
      refreshRevocations();
    }
    Manifest m;
    try {
      m = verifier.verify(envelope, model, trust.now(clock), trust.revoked());
    } catch (ManifestRejectedException e) {
      throw new UpdateRejectedException(switch (e.reason()) {
        case MALFORMED -> Reason.MALFORMED_MANIFEST;
        case UNKNOWN_KEY -> Reason.UNKNOWN_KEY;
        case BAD_SIGNATURE -> Reason.BAD_SIGNATURE;
        case UNTRUSTED_KEY -> Reason.UNTRUSTED_KEY;
        case KEY_EXPIRED -> Reason.KEY_EXPIRED;
        case KEY_REVOKED -> Reason.KEY_REVOKED;
        case EXPIRED -> Reason.EXPIRED;
        case WRONG_MODEL -> Reason.WRONG_MODEL;
        case IMAGE_SIGNATURE_MISSING -> Reason.IMAGE_SIGNATURE_MISSING;
        case IMAGE_MISMATCH -> Reason.IMAGE_MISMATCH;
      }, e.getMessage());
    }
    verifiedKeys = keys(envelope);
    return m;
  }

  private static List<String> keys(SignedManifest envelope) {
    return Arrays.asList(envelope.keyId(), envelope.image() == null ? null : envelope.image().keyId());
  }

  /** Asks the publisher for its newest revocation list; a failure leaves the held list in force. */
  void refreshRevocations() {
    try {
      SignedDocument list = client.keys().revocations();
      if (list != null) {
        adopt(list);
      }
    } catch (PublisherException e) {
      log.debug("{}: cannot fetch the keys: {}", deviceId, e.getMessage());
    }
  }

  /**
   * Adopts a revocation list signed by the pinned root and newer than the one held.
   *
   * @return whether it was adopted (false: not the root's, malformed, or not newer)
   */
  boolean adopt(SignedDocument list) {
    try {
      RevocationList r = verifier.root().revocations(list);
      boolean adopted = trust.adopt(r);
      if (adopted) {
        log.info("{}: adopted revocation list {} (revoked keys {})", deviceId, r.sequence(), r.revoked());
      } else if (r.sequence() < trust.revocationSequence()) {
        log.warn("{}: ignored revocation list {}: this device holds list {}", deviceId, r.sequence(), trust.revocationSequence());
      }
      return adopted;
    } catch (ManifestRejectedException e) {
      log.warn("{}: refused a revocation list: {}", deviceId, e.getMessage());
      return false;
    } catch (IOException e) {
      log.warn("{}: cannot record revocation list: {}", deviceId, e.toString());
      return false;
    }
  }
}
