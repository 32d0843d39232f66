package dev.distill.publisher.sign;

import dev.distill.contract.ota.Ed25519Keys;
import dev.distill.contract.ota.KeyCertificate;
import dev.distill.contract.ota.KeyRole;
import dev.distill.contract.ota.ManifestRejectedException;
import dev.distill.contract.ota.ManifestSigner;
import dev.distill.contract.ota.OtaApi;
import dev.distill.contract.ota.RevocationList;
import dev.distill.contract.ota.RootAuthority;
import dev.distill.contract.ota.RootOfTrust;
import dev.distill.contract.ota.SignedDocument;
import dev.distill.platform.config.ConfigException;
import dev.distill.publisher.sign.SigningFiles.Field;
import dev.distill.publisher.sign.SigningFiles.Problem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The publisher's signing key with the root's certificate of it, the root devices pin, and the
 * newest revocation list: what {@code /v1/keys} serves and what every manifest carries. A
 * publisher whose certificate is not its key's own, has expired or whose key is revoked would
 * sign manifests every device refuses, so it does not start.
 *
 * <p>Dev mode (no certificate configured): a local root ({@code root.pem} beside the key) is
 * created on first start and certifies the publisher's key for {@link #DEV_VALIDITY} at every
 * start. Devices that trust the root on first use (the simulator) then work with no set-up;
 * production certifies the key with an offline root ({@code distill keys certify}).
 */
public final class SigningIdentity {
  private static final Logger log = LoggerFactory.getLogger(SigningIdentity.class);
  public static final Duration DEV_VALIDITY = Duration.ofDays(365);

  private final ManifestSigner signer;
  private final RootOfTrust root;
  private final SignedDocument revocations;

  /** @param revocations null for none */
  public SigningIdentity(ManifestSigner signer, RootOfTrust root, SignedDocument revocations) {
    this.signer = signer;
    this.root = root;
    this.revocations = revocations;
  }

  /** A key certified for a year by a root made for the occasion: tests. */
  public static SigningIdentity ephemeral(Instant now) {
    RootAuthority root = new RootAuthority(Ed25519Keys.generate());
    KeyPair key = Ed25519Keys.generate();
    return new SigningIdentity(new ManifestSigner(key, root.certify(key.getPublic(), KeyRole.PUBLISHER, now, DEV_VALIDITY)),
        root.trust(), null);
  }

  public ManifestSigner signer() {
    return signer;
  }

  public RootOfTrust root() {
    return root;
  }

  /** What {@code GET /v1/keys} answers. */
  public OtaApi.Keys keys() {
    PublicKey pub = signer.publicKey();
    return new OtaApi.Keys(
        new OtaApi.PublicKeyInfo(root.keyId(), Ed25519Keys.ALGORITHM, raw(root.publicKey()), "root", null),
        List.of(new OtaApi.PublicKeyInfo(signer.keyId(), Ed25519Keys.ALGORITHM, raw(pub), KeyRole.PUBLISHER.label(),
            signer.certificate())),
        revocations);
  }

  private static String raw(PublicKey key) {
    return Base64.getEncoder().encodeToString(Ed25519Keys.raw(key));
  }

  /**
   * Loads the identity (creating the key, and in dev mode the dev root, when missing).
   *
   * @throws ConfigException when a file is unusable, the certificate is not the key's, has
   *     expired, or names a revoked key
   */
  public static SigningIdentity load(SigningFiles files, Instant now, java.util.function.Function<Problem, String> describe)
      throws IOException {
    List<Problem> problems = problems(files, now);
    if (problems.isEmpty()) {
      KeyPair key = Ed25519Keys.loadOrCreate(files.key());
      if (files.devMode()) {
        boolean created = !Files.exists(files.devRoot());
        RootAuthority dev = created ? new RootAuthority(Ed25519Keys.create(files.devRoot())) : RootAuthority.load(files.devRoot());
        log.warn("DEV MODE: no signing certificate is configured, so the publisher's key {} is certified by a local dev root {}"
            + " ({} {}); production must certify it with an offline root (distill keys certify)", Ed25519Keys.keyId(key.getPublic()),
            dev.keyId(), created ? "created at" : "read from", files.devRoot());
        SignedDocument cert = dev.certify(key.getPublic(), KeyRole.PUBLISHER, now, DEV_VALIDITY);
        return checked(files, new SigningIdentity(new ManifestSigner(key, cert), dev.trust(), null), now, describe);
      }
      RootOfTrust root = new RootOfTrust(Ed25519Keys.publicKeyPem(Files.readString(files.rootPublicKey())));
      return checked(files, new SigningIdentity(new ManifestSigner(key, SignedDocument.read(files.certificate())), root, null),
          now, describe);
    }
    throw new ConfigException(problems.stream().map(describe).toList());
  }

  /** Adds the revocation list, then checks the whole identity as a device would. */
  private static SigningIdentity checked(SigningFiles files, SigningIdentity id, Instant now,
      java.util.function.Function<Problem, String> describe) throws IOException {
    List<Problem> problems = new ArrayList<>();
    SignedDocument list = files.revocations() == null ? null : SignedDocument.read(files.revocations());
    RevocationList revoked = revocations(id.root, list, files, problems);
    certificate(id.root, id.signer.certificate(), id.signer.keyId(), now, revoked, files, problems);
    if (!problems.isEmpty()) {
      throw new ConfigException(problems.stream().map(describe).toList());
    }
    log.info("signing key {} certified by root {} for the publisher role; revocation list {}", id.signer.keyId(), id.root.keyId(),
        revoked == null ? "none" : "sequence " + revoked.sequence() + ", " + revoked.revoked().size() + " revoked");
    return new SigningIdentity(id.signer, id.root, list);
  }

  /**
   * What is wrong with the files before anything is created: an unreadable or mismatched key
   * pair, a certificate without a root (or the reverse), a certificate that is not the key's,
   * expired or revoked. In dev mode the certificate is made at start, so only the key pair and
   * the revocation list's shape are checked here.
   */
  public static List<Problem> problems(SigningFiles files, Instant now) {
    List<Problem> problems = new ArrayList<>();
    Path key = files.key();
    Path pub = Ed25519Keys.publicPemOf(key);
    PublicKey publicKey = null;
    if (Files.exists(key) && !Files.exists(pub)) {
      problems.add(new Problem(Field.KEY, key.toString(), "a private key with its public key beside it, but " + pub + " does not exist"));
    } else if (Files.exists(key)) {
      try {
        publicKey = Ed25519Keys.load(key, pub).getPublic();
      } catch (IOException | IllegalArgumentException e) {
        problems.add(new Problem(Field.KEY, key.toString(), "an Ed25519 private key whose .pub is its own public key, but "
            + e.getMessage()));
      }
    }
    if (files.devMode()) {
      if (files.rootPublicKey() != null) {
        problems.add(new Problem(Field.CERTIFICATE, null, "the certificate of the signing key by the root "
            + files.rootPublicKey() + " (without one, the publisher runs in dev mode with a local root)"));
      }
      if (files.revocations() != null) {
        readList(files, problems); // its root, the dev root, may not exist yet: checked at start
      }
      return problems;
    }
    RootOfTrust root = null;
    if (files.rootPublicKey() == null) {
      problems.add(new Problem(Field.ROOT_PUBLIC_KEY, null, "the public key of the root that signed " + files.certificate()));
    } else {
      try {
        root = new RootOfTrust(Ed25519Keys.publicKeyPem(Files.readString(files.rootPublicKey())));
      } catch (IOException | IllegalArgumentException e) {
        problems.add(new Problem(Field.ROOT_PUBLIC_KEY, files.rootPublicKey().toString(), "an Ed25519 public key (X.509 PEM), but "
            + e.getMessage()));
      }
    }
    SignedDocument cert = null;
    try {
      cert = SignedDocument.read(files.certificate());
    } catch (IOException e) {
      problems.add(new Problem(Field.CERTIFICATE, files.certificate().toString(), "a readable certificate (" + e.getMessage() + ")"));
    }
    if (cert != null && publicKey == null && !Files.exists(key)) {
      problems.add(new Problem(Field.KEY, key.toString(), "the key that " + files.certificate() + " certifies, but it does not exist"
          + " (a new key would not match the certificate)"));
    }
    if (root != null) {
      SignedDocument list = files.revocations() == null ? null : readList(files, problems);
      RevocationList revoked = revocations(root, list, files, problems);
      if (cert != null && publicKey != null) {
        certificate(root, cert, Ed25519Keys.keyId(publicKey), now, revoked, files, problems);
      }
    }
    return problems;
  }

  private static SignedDocument readList(SigningFiles files, List<Problem> problems) {
    try {
      return SignedDocument.read(files.revocations());
    } catch (IOException e) {
      problems.add(new Problem(Field.REVOCATIONS, files.revocations().toString(), "a readable revocation list (" + e.getMessage() + ")"));
      return null;
    }
  }

  /** The list, checked to be the root's; null when there is none or it is not the root's (a problem). */
  private static RevocationList revocations(RootOfTrust root, SignedDocument list, SigningFiles files, List<Problem> problems) {
    if (list == null) {
      return null;
    }
    try {
      return root.revocations(list);
    } catch (ManifestRejectedException e) {
      problems.add(new Problem(Field.REVOCATIONS, files.revocations().toString(), "a revocation list signed by root " + root.keyId()
          + ", but " + e.getMessage()));
      return null;
    }
  }

  private static void certificate(RootOfTrust root, SignedDocument cert, String keyId, Instant now, RevocationList revoked,
      SigningFiles files, List<Problem> problems) {
    try {
      KeyCertificate c = root.certified(cert, KeyRole.PUBLISHER, keyId, now, revoked == null ? Set.of() : Set.copyOf(revoked.revoked()));
      if (c.expiresAt().isBefore(now.plus(Duration.ofDays(7)))) {
        log.warn("the certificate of signing key {} expires at {}: certify the key again (distill keys certify)", keyId, c.expiresAt());
      }
    } catch (ManifestRejectedException e) {
      Field field = e.reason() == ManifestRejectedException.Reason.KEY_REVOKED ? Field.REVOCATIONS : Field.CERTIFICATE;
      String value = field == Field.REVOCATIONS ? files.revocations().toString()
          : files.certificate() == null ? files.devRoot().toString() : files.certificate().toString();
      problems.add(new Problem(field, value, "a valid certificate of the signing key " + keyId + " by root " + root.keyId()
          + " for the publisher role, but " + e.getMessage()));
    }
  }
}
