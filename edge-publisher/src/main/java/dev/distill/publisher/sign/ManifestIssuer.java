package dev.distill.publisher.sign;

import dev.distill.contract.ota.Manifest;
import dev.distill.contract.ota.ManifestSigner;
import dev.distill.contract.ota.SignedImage;
import dev.distill.contract.ota.SignedManifest;
import dev.distill.contract.proto.Rollout;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.Optional;
import java.util.function.Function;

/**
 * Issues signed manifests valid for a TTL. A cached signature is reused until half its TTL has
 * passed, so a device always receives one with at least half the TTL left, and a fleet-wide
 * push costs one signature instead of one per device.
 *
 * <p>A rollback manifest names the version it rolls back from: the target of the model's
 * current rollout (the highest version that rollout sends out). A device that has accepted a
 * higher version since refuses it, so an old rollback cannot be replayed after an upgrade.
 *
 * <p>Devices refuse a manifest issued before one they have accepted (their time floor), so a
 * signature made before the model's rollout last changed is never reused: after a pin and an
 * unpin the device would otherwise be sent the first signature again, older than the rollback
 * it accepted in between, and report a failed verification.
 */
public final class ManifestIssuer {
  private record Key(String model, long version, String sha256, long length, String rolloutId, boolean rollback,
      long rollbackFrom) {}

  private record Issued(SignedManifest signed, long issuedAtMs) {}

  private static final int MAX_CACHED = 1024;

  private final SigningIdentity identity;
  private final ManifestSigner signer;
  private final Duration ttl;
  private final Clock clock;
  private final Function<String, Optional<Rollout>> rollouts;
  private final ConcurrentMap<Key, Issued> cache = new ConcurrentHashMap<>();

  /**
   * @param rollouts a model's current rollout: its target is what a rollback manifest rolls
   *     back from, its update time what a cached signature must not predate
   */
  public ManifestIssuer(SigningIdentity identity, Duration ttl, Clock clock, Function<String, Optional<Rollout>> rollouts) {
    this.identity = identity;
    this.signer = identity.signer();
    this.ttl = ttl;
    this.clock = clock;
    this.rollouts = rollouts;
  }

  public ManifestSigner signer() {
    return signer;
  }

  /** The key, its certificate, the root and the revocation list devices are told about. */
  public SigningIdentity identity() {
    return identity;
  }

  /**
   * @param image the trainer's signature of this version's artifact, passed on unchanged (a
   *     rollback carries the older version's own); null when the version has none, and devices
   *     then refuse it
   */
  public SignedManifest issue(String model, long version, String sha256, long length, String rolloutId, boolean rollback,
      SignedImage image) {
    long now = clock.millis();
    // the assigner sets rollback for a version below the rollout's target, so the target is
    // higher; a rollout replaced between the two reads has a still higher target
    Optional<Rollout> rollout = rollouts.apply(model);
    long rollbackFrom = rollback ? Math.max(rollout.map(Rollout::getTargetVersion).orElse(0L), version + 1) : 0;
    long changedAtMs = rollout.map(Rollout::getUpdatedAtMs).orElse(0L);
    Key key = new Key(model, version, sha256, length, rolloutId, rollback, rollbackFrom);
    Issued cached = cache.get(key);
    if (cached != null && now - cached.issuedAtMs() < ttl.toMillis() / 2 && cached.issuedAtMs() >= changedAtMs) {
      return cached.signed().withImage(image);
    }
    if (cache.size() > MAX_CACHED) {
      cache.entrySet().removeIf(e -> now - e.getValue().issuedAtMs() >= ttl.toMillis() / 2);
    }
    SignedManifest signed = signer.sign(new Manifest(model, version, sha256, length, now, now + ttl.toMillis(),
        rolloutId, rollback, rollbackFrom), image);
    cache.put(key, new Issued(signed, now));
    return signed;
  }
}
