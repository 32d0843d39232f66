package dev.distill.publisher.sign;

import dev.distill.contract.ota.Manifest;
import dev.distill.contract.ota.ManifestSigner;
import dev.distill.contract.ota.SignedManifest;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.ToLongFunction;

/**
 * Issues signed manifests valid for a TTL. A cached signature is reused until half its TTL has
 * passed, so a device always receives one with at least half the TTL left, and a fleet-wide
 * push costs one signature instead of one per device.
 *
 * <p>A rollback manifest names the version it rolls back from: the target of the model's
 * current rollout (the highest version that rollout sends out). A device that has accepted a
 * higher version since refuses it, so an old rollback cannot be replayed after an upgrade.
 */
public final class ManifestIssuer {
  private record Key(String model, long version, String sha256, long length, String rolloutId, boolean rollback,
      long rollbackFrom) {}

  private record Issued(SignedManifest signed, long issuedAtMs) {}

  private static final int MAX_CACHED = 1024;

  private final ManifestSigner signer;
  private final Duration ttl;
  private final Clock clock;
  private final ToLongFunction<String> rolloutTarget;
  private final ConcurrentMap<Key, Issued> cache = new ConcurrentHashMap<>();

  /**
   * @param rolloutTarget the target version of a model's current rollout (0 if none): what a
   *     rollback manifest rolls back from
   */
  public ManifestIssuer(ManifestSigner signer, Duration ttl, Clock clock, ToLongFunction<String> rolloutTarget) {
    this.signer = signer;
    this.ttl = ttl;
    this.clock = clock;
    this.rolloutTarget = rolloutTarget;
  }

  public ManifestSigner signer() {
    return signer;
  }

  public SignedManifest issue(String model, long version, String sha256, long length, String rolloutId, boolean rollback) {
    long now = clock.millis();
    // the assigner sets rollback for a version below the rollout's target, so the target is
    // higher; a rollout replaced between the two reads has a still higher target
    long rollbackFrom = rollback ? Math.max(rolloutTarget.applyAsLong(model), version + 1) : 0;
    Key key = new Key(model, version, sha256, length, rolloutId, rollback, rollbackFrom);
    Issued cached = cache.get(key);
    if (cached != null && now - cached.issuedAtMs() < ttl.toMillis() / 2) {
      return cached.signed();
    }
    if (cache.size() > MAX_CACHED) {
      cache.entrySet().removeIf(e -> now - e.getValue().issuedAtMs() >= ttl.toMillis() / 2);
    }
    SignedManifest signed = signer.sign(new Manifest(model, version, sha256, length, now, now + ttl.toMillis(),
        rolloutId, rollback, rollbackFrom));
    cache.put(key, new Issued(signed, now));
    return signed;
  }
}
