package dev.distill.publisher.sign;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.contract.ota.Manifest;
import dev.distill.contract.ota.SignedManifest;
import dev.distill.contract.proto.Rollout;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ManifestIssuerTest {
  static final String SHA = "b".repeat(64);
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  final AtomicReference<Instant> now = new AtomicReference<>(T0);
  final AtomicReference<Rollout> rollout = new AtomicReference<>(rollout(7, T0));
  final Clock clock = new Clock() {
    @Override
    public ZoneId getZone() {
      return ZoneId.of("UTC");
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now.get();
    }
  };
  final ManifestIssuer issuer = new ManifestIssuer(SigningIdentity.ephemeral(T0), Duration.ofHours(1), clock,
      model -> Optional.ofNullable(rollout.get()));

  static Rollout rollout(long target, Instant updatedAt) {
    return Rollout.newBuilder().setModelName("m").setRolloutId("m:v" + target + ":1").setTargetVersion(target)
        .setUpdatedAtMs(updatedAt.toEpochMilli()).build();
  }

  static Manifest payload(SignedManifest m) {
    return Manifest.parse(Base64.getDecoder().decode(m.payload()));
  }

  @Test
  void aRollbackNamesTheRolloutTargetItRollsBackFrom() {
    assertThat(payload(issuer.issue("m", 5, SHA, 10, "m:v7:1", true, null)).rollbackFrom()).isEqualTo(7);
    assertThat(payload(issuer.issue("m", 7, SHA, 10, "m:v7:1", false, null)).rollbackFrom()).isZero();
    // a state replaced between assigning and signing still gives a valid rollback
    rollout.set(null);
    assertThat(payload(issuer.issue("m", 5, SHA, 10, "m:v7:1", true, null)).rollbackFrom()).isEqualTo(6);
  }

  @Test
  void aSignatureIsReusedUntilTheRolloutChangesThenSignedAnew() {
    SignedManifest first = issuer.issue("m", 7, SHA, 10, "m:v7:1", false, null);
    now.set(T0.plusSeconds(60));
    assertThat(issuer.issue("m", 7, SHA, 10, "m:v7:1", false, null)).isEqualTo(first);
    // pinned to 5 and unpinned: a device that accepted the rollback in between has a newer
    // time floor than the first signature
    rollout.set(rollout(7, T0.plusSeconds(90)));
    now.set(T0.plusSeconds(120));
    SignedManifest again = issuer.issue("m", 7, SHA, 10, "m:v7:1", false, null);
    assertThat(payload(again).issuedAtMs()).isEqualTo(T0.plusSeconds(120).toEpochMilli());
  }

  @Test
  void everyManifestCarriesTheTrainersImageSignatureOfItsVersionAlsoWhenTheSignatureIsReused() {
    var root = new dev.distill.contract.ota.RootAuthority(dev.distill.contract.ota.Ed25519Keys.generate());
    var trainer = dev.distill.contract.ota.ImageSigner.certifiedBy(root, T0, Duration.ofDays(1));
    var v7 = trainer.sign(new dev.distill.contract.ota.ImageStatement("m", 7, SHA, 10));
    var v5 = trainer.sign(new dev.distill.contract.ota.ImageStatement("m", 5, SHA, 10));
    assertThat(issuer.issue("m", 7, SHA, 10, "m:v7:1", false, v7).image()).isEqualTo(v7);
    SignedManifest rollback = issuer.issue("m", 5, SHA, 10, "m:v7:1", true, v5);
    assertThat(rollback.image()).isEqualTo(v5);
    now.set(T0.plusSeconds(60));
    SignedManifest reused = issuer.issue("m", 5, SHA, 10, "m:v7:1", true, v5);
    assertThat(reused.signature()).isEqualTo(rollback.signature());
    assertThat(reused.image()).isEqualTo(v5);
  }
}
