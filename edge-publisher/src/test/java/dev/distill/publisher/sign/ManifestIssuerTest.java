package dev.distill.publisher.sign;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.contract.ota.Ed25519Keys;
import dev.distill.contract.ota.Manifest;
import dev.distill.contract.ota.ManifestSigner;
import dev.distill.contract.ota.SignedManifest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ManifestIssuerTest {
  static final String SHA = "b".repeat(64);
  final AtomicLong target = new AtomicLong(7);
  final ManifestIssuer issuer = new ManifestIssuer(new ManifestSigner(Ed25519Keys.generate()), Duration.ofHours(1),
      Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC), model -> target.get());

  static Manifest payload(SignedManifest m) {
    return Manifest.parse(Base64.getDecoder().decode(m.payload()));
  }

  @Test
  void aRollbackNamesTheRolloutTargetItRollsBackFrom() {
    assertThat(payload(issuer.issue("m", 5, SHA, 10, "m:v7:1", true)).rollbackFrom()).isEqualTo(7);
    assertThat(payload(issuer.issue("m", 7, SHA, 10, "m:v7:1", false)).rollbackFrom()).isZero();
  }

  @Test
  void aNewRolloutTargetIsSignedAnewNotServedFromTheCache() {
    issuer.issue("m", 5, SHA, 10, "m:v7:1", true);
    target.set(9);
    assertThat(payload(issuer.issue("m", 5, SHA, 10, "m:v7:1", true)).rollbackFrom()).isEqualTo(9);
    // a target that is not above the version (state replaced meanwhile) still signs a valid rollback
    target.set(0);
    assertThat(payload(issuer.issue("m", 5, SHA, 10, "m:v7:1", true)).rollbackFrom()).isEqualTo(6);
  }
}
