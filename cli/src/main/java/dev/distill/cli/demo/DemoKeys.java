package dev.distill.cli.demo;

import dev.distill.contract.ota.Ed25519Keys;
import dev.distill.contract.ota.KeyRole;
import dev.distill.contract.ota.RootAuthority;
import dev.distill.publisher.PublisherConfig;
import dev.distill.trainer.sign.ImageKey;
import java.io.IOException;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * The demo's key hierarchy, made as an operator makes it with {@code distill keys init-root} and
 * {@code distill keys certify}: one root ({@code root/root.pem}, which in production stays
 * offline) certifies the publisher's key for the publisher role and the trainer's key for the
 * image role. Devices trust the root (the simulator on first use, from {@code /v1/keys}), so
 * they get both signatures on every version and refuse anything with only one.
 *
 * @param publisherEnv {@code DISTILL_SIGNING_KEY}, {@code DISTILL_SIGNING_CERT}, {@code DISTILL_ROOT_PUBLIC_KEY}
 * @param trainerEnv {@code DISTILL_TRAINER_SIGNING_KEY}, {@code DISTILL_TRAINER_SIGNING_CERT}
 */
public record DemoKeys(String rootKeyId, Map<String, String> publisherEnv, Map<String, String> trainerEnv) {
  /** Demo certificates outlast any demo run. */
  static final Duration VALIDITY = Duration.ofDays(30);

  /** Creates the root and both certified keys under {@code dir}, which must not hold them yet. */
  public static DemoKeys create(Path dir) throws IOException {
    Path rootPem = dir.resolve("root/root.pem");
    RootAuthority root = new RootAuthority(Ed25519Keys.create(rootPem));
    Path publisherKey = dir.resolve("publisher/signing-key.pem");
    Path publisherCert = certify(root, Ed25519Keys.create(publisherKey).getPublic(), KeyRole.PUBLISHER,
        dir.resolve("publisher/signing-key.cert"));
    Path trainerKey = dir.resolve("trainer/image-key.pem");
    Path trainerCert = certify(root, Ed25519Keys.create(trainerKey).getPublic(), KeyRole.IMAGE,
        dir.resolve("trainer/image-key.cert"));
    return new DemoKeys(root.keyId(),
        Map.of(PublisherConfig.SIGNING_KEY, publisherKey.toString(), PublisherConfig.SIGNING_CERT, publisherCert.toString(),
            PublisherConfig.ROOT_PUBLIC_KEY, Ed25519Keys.publicPemOf(rootPem).toString()),
        Map.of(ImageKey.KEY, trainerKey.toString(), ImageKey.CERT, trainerCert.toString()));
  }

  private static Path certify(RootAuthority root, PublicKey key, KeyRole role, Path out) throws IOException {
    root.certify(key, role, Instant.now(), VALIDITY).write(out);
    return out;
  }
}
