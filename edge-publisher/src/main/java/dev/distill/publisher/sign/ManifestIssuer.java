package dev.distill.publisher.sign;

import dev.distill.contract.ota.Manifest;
import dev.distill.contract.ota.ManifestSigner;
import dev.distill.contract.ota.SignedManifest;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Issues signed manifests valid for a TTL. A cached signature is reused until half its TTL has
 * passed, so a device always receives one with at least half the TTL left, and a fleet-wide
 * push costs one signature instead of one per device.
 */
public final class ManifestIssuer {
  private record Key(String model, long version, String sha256, long length, String rolloutId, boolean rollback) {}

  private record Issued(SignedManifest signed, long issuedAtMs) {}

  private static final int MAX_CACHED = 1024;

  private final ManifestSigner signer;
  private final Duration ttl;
  private final Clock clock;
  private final ConcurrentMap<Key, Issued> cache = new ConcurrentHashMap<>();

  public ManifestIssuer(ManifestSigner signer, Duration ttl, Clock clock) {
    this.signer = signer;
    this.ttl = ttl;
    this.clock = clock;
  }

  public ManifestSigner signer() {
    return signer;
  }

  public SignedManifest issue(String model, long version, String sha256, long length, String rolloutId, boolean rollback) {
    long now = clock.millis();
    Key key = new Key(model, version, sha256, length, rolloutId, rollback);
    Issued cached = cache.get(key);
    if (cached != null && now - cached.issuedAtMs() < ttl.toMillis() / 2) {
      return cached.signed();
    }
    if (cache.size() > MAX_CACHED) {
      cache.entrySet().removeIf(e -> now - e.getValue().issuedAtMs() >= ttl.toMillis() / 2);
    }
    SignedManifest signed = signer.sign(new Manifest(model, version, sha256, length, now, now + ttl.toMillis(),
        rolloutId, rollback));
    cache.put(key, new Issued(signed, now));
    return signed;
  }
}
