package dev.distill.trainer.sign;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.contract.ota.Ed25519Keys;
import dev.distill.contract.ota.ImageStatement;
import dev.distill.contract.ota.ImageVerifier;
import dev.distill.contract.ota.KeyRole;
import dev.distill.contract.ota.Manifest;
import dev.distill.contract.ota.RootAuthority;
import dev.distill.contract.ota.SignedImage;
import dev.distill.contract.proto.ModelVersion;
import dev.distill.platform.config.ConfigReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DISTILL_TRAINER_SIGNING_*: no key at all (unsigned, logged), or a key with its own image certificate; else a problem. */
class ImageKeyTest {
  static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  @TempDir Path dir;
  final RootAuthority root = new RootAuthority(Ed25519Keys.generate());

  /** The key at {@code dir/image.pem} and a certificate of {@code certified} by the test root, as {@code distill keys certify} writes it. */
  Map<String, String> env(KeyPair certified, KeyRole role, Instant from, Duration validity) throws Exception {
    Path key = dir.resolve("image.pem");
    if (!Files.exists(key)) {
      Ed25519Keys.create(key);
    }
    Path cert = dir.resolve("image.cert");
    root.certify(certified.getPublic(), role, from, validity).write(cert);
    return Map.of(ImageKey.KEY, key.toString(), ImageKey.CERT, cert.toString());
  }

  KeyPair key() throws Exception {
    return Ed25519Keys.loadOrCreate(dir.resolve("image.pem"));
  }

  static String problems(Map<String, String> env) {
    ConfigReader r = ConfigReader.from(env);
    ImageKey.read(r, NOW);
    return String.join("\n", r.problems());
  }

  @Test
  void withNeitherVariableVersionsAreUnsigned() {
    ConfigReader r = ConfigReader.from(Map.of());
    assertThat(ImageKey.read(r, NOW)).isEmpty();
    assertThat(r.problems()).isEmpty();
  }

  @Test
  void aCertifiedKeySignsVersionsThatVerifyUnderTheRoot() throws Exception {
    ConfigReader r = ConfigReader.from(env(key(), KeyRole.IMAGE, NOW, Duration.ofDays(90)));
    var signer = ImageKey.read(r, NOW).orElseThrow();
    assertThat(r.problems()).isEmpty();
    ModelVersion v = ImageKey.sign(ModelVersion.newBuilder().setModelName("m").setVersion(3).setSha256("c".repeat(64))
        .setSizeBytes(42).build(), signer);
    Manifest m = new Manifest("m", 3, "c".repeat(64), 42, NOW.toEpochMilli(), NOW.plusSeconds(60).toEpochMilli(), "r", false, 0);
    assertThat(new ImageVerifier(root.trust()).verify(SignedImage.fromProto(v.getImageSignature()), m, NOW, Set.of()))
        .isEqualTo(ImageStatement.of(v));
  }

  @Test
  void aCertificateOfAnotherKeyForAnotherRoleOrExpiredIsAProblem() throws Exception {
    key();
    assertThat(problems(env(Ed25519Keys.generate(), KeyRole.IMAGE, NOW, Duration.ofDays(90))))
        .startsWith(ImageKey.CERT).contains("it certifies key");
    assertThat(problems(env(key(), KeyRole.PUBLISHER, NOW, Duration.ofDays(90))))
        .startsWith(ImageKey.CERT).contains("for the publisher role");
    assertThat(problems(env(key(), KeyRole.IMAGE, NOW.minus(Duration.ofDays(2)), Duration.ofDays(1))))
        .startsWith(ImageKey.CERT).contains("expired at");
  }

  @Test
  void oneVariableWithoutTheOtherOrAnUnreadableFileIsAProblem() throws Exception {
    Map<String, String> both = env(key(), KeyRole.IMAGE, NOW, Duration.ofDays(90));
    assertThat(problems(Map.of(ImageKey.KEY, both.get(ImageKey.KEY)))).startsWith(ImageKey.CERT);
    assertThat(problems(Map.of(ImageKey.CERT, both.get(ImageKey.CERT)))).startsWith(ImageKey.KEY);
    assertThat(problems(Map.of(ImageKey.KEY, dir.resolve("missing.pem").toString(), ImageKey.CERT, both.get(ImageKey.CERT))))
        .startsWith(ImageKey.KEY);
    Files.writeString(dir.resolve("garbage.cert"), "not json");
    assertThat(problems(Map.of(ImageKey.KEY, both.get(ImageKey.KEY), ImageKey.CERT, dir.resolve("garbage.cert").toString())))
        .startsWith(ImageKey.CERT);
  }
}
