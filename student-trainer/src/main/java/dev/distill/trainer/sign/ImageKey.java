package dev.distill.trainer.sign;

import dev.distill.contract.ota.Ed25519Keys;
import dev.distill.contract.ota.ImageSigner;
import dev.distill.contract.ota.ImageStatement;
import dev.distill.contract.ota.KeyCertificate;
import dev.distill.contract.ota.KeyRole;
import dev.distill.contract.ota.SignedDocument;
import dev.distill.contract.proto.ModelVersion;
import dev.distill.platform.config.ConfigReader;
import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer's image key and the root's certificate of it, from {@link #KEY} and {@link #CERT}.
 *
 * <p>One rule for the zero-configuration case: with neither variable set the trainer publishes
 * versions without an image signature and logs a WARN, since devices (which require it) refuse
 * such versions; one variable without the other is a configuration problem. A certificate that
 * is not of this key, not for the image role, or expired stops start-up: every version signed
 * under it would be refused. The certificate's own signature is the root's, which devices check;
 * the trainer does not pin the root.
 */
public final class ImageKey {
  private static final Logger log = LoggerFactory.getLogger(ImageKey.class);
  /** PKCS#8 PEM of the Ed25519 private key; its public key beside it ({@code .pub}). */
  public static final String KEY = "DISTILL_TRAINER_SIGNING_KEY";
  /** The root's certificate of that key for the image role ({@code distill keys certify --role image}). */
  public static final String CERT = "DISTILL_TRAINER_SIGNING_CERT";

  private ImageKey() {}

  /**
   * The signer configured in {@code r}, or empty when neither variable is set; problems are
   * added to {@code r} (reported with the others by its {@code validate()}).
   *
   * @param now the certificate must not have expired by then
   */
  public static Optional<ImageSigner> read(ConfigReader r, Instant now) {
    String key = r.string(KEY, "");
    String cert = r.string(CERT, "");
    if (key.isBlank() && cert.isBlank()) {
      log.warn("DEV MODE: {} and {} are unset, so versions are published without the trainer's image signature; devices "
          + "that require it (all, by default) refuse them. Certify an image key: distill keys certify --role image", KEY, CERT);
      return Optional.empty();
    }
    if (cert.isBlank()) {
      r.problem(CERT, "", "the root's certificate of " + key + " for the image role (distill keys certify --role image)");
      return Optional.empty();
    }
    if (key.isBlank()) {
      r.problem(KEY, "", "the image key that " + cert + " certifies (PKCS#8 PEM, its .pub beside it)");
      return Optional.empty();
    }
    KeyPair pair;
    try {
      pair = Ed25519Keys.load(Path.of(key), Ed25519Keys.publicPemOf(Path.of(key)));
    } catch (IOException | IllegalArgumentException e) {
      r.problem(KEY, key, "an Ed25519 private key (PKCS#8 PEM) whose .pub is its own public key (" + e.getMessage() + ")");
      return Optional.empty();
    }
    SignedDocument signed;
    KeyCertificate c;
    try {
      signed = SignedDocument.read(Path.of(cert));
      c = KeyCertificate.parse(signed.unverifiedPayload());
    } catch (IOException | IllegalArgumentException e) {
      r.problem(CERT, cert, "a key certificate written by distill keys certify (" + e.getMessage() + ")");
      return Optional.empty();
    }
    String keyId = Ed25519Keys.keyId(pair.getPublic());
    String wrong = !c.keyId().equals(keyId) ? "it certifies key " + c.keyId() + ", not this key " + keyId
        : c.role() != KeyRole.IMAGE ? "it is for the " + c.role().label() + " role"
        : !now.isBefore(c.expiresAt()) ? "it expired at " + c.expiresAt()
        : null;
    if (wrong != null) {
      r.problem(CERT, cert, "a certificate of " + key + " for the image role that has not expired, but " + wrong);
      return Optional.empty();
    }
    if (c.expiresAt().isBefore(now.plus(Duration.ofDays(7)))) {
      log.warn("the certificate of image key {} expires at {}: certify the key again (distill keys certify --role image)", keyId,
          c.expiresAt());
    }
    log.info("image key {} certified by root {} for the image role until {}: every version is signed", keyId, c.rootKeyId(),
        c.expiresAt());
    return Optional.of(new ImageSigner(pair, signed));
  }

  /** The version carrying {@code signer}'s signature of its artifact (model, version, sha256, size). */
  public static ModelVersion sign(ModelVersion v, ImageSigner signer) {
    return v.toBuilder().setImageSignature(signer.sign(ImageStatement.of(v)).toProto()).build();
  }
}
