package dev.distill.cli;

import dev.distill.contract.ota.Ed25519Keys;
import dev.distill.contract.ota.KeyCertificate;
import dev.distill.contract.ota.KeyRole;
import dev.distill.contract.ota.ManifestRejectedException;
import dev.distill.contract.ota.RevocationList;
import dev.distill.contract.ota.RootAuthority;
import dev.distill.contract.ota.SignedDocument;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The offline root's work: make the root, certify online keys, revoke them. Run it on the
 * machine that holds the root (never the publisher's); what it writes is public.
 */
@Command(name = "keys", mixinStandardHelpOptions = true,
    description = "The OTA key hierarchy: an offline root key certifies the publisher's (and the trainer's) online keys "
        + "and revokes them; devices pin only the root (docs/ota-manifest.md).",
    subcommands = {KeysCommand.InitRoot.class, KeysCommand.Certify.class, KeysCommand.Rotate.class, KeysCommand.Revoke.class})
final class KeysCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The options of a command that signs with the root and writes a document. */
  static final class Signing {
    @Option(names = "--root", required = true, paramLabel = "ROOT_PEM", description = "the root's private key (root.pem)")
    Path rootPem;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "where to write the signed document (JSON)")
    Path out;

    RootAuthority root() {
      return loadRoot(rootPem);
    }
  }

  static RootAuthority loadRoot(Path rootPem) {
    try {
      return RootAuthority.load(rootPem);
    } catch (IOException | IllegalArgumentException e) {
      throw new UserError("--root " + rootPem + " is not a readable root key with its .pub beside it: " + e.getMessage());
    }
  }

  /** What a certificate says beyond the key: its role and how long it is valid. */
  static final class Grant {
    @Option(names = "--role", defaultValue = "publisher",
        description = "publisher (signs manifests) or image (the trainer's images); default: ${DEFAULT-VALUE}")
    String role;

    @Option(names = "--valid-days", defaultValue = "90", description = "days the certificate is valid (default: ${DEFAULT-VALUE})")
    int validDays;

    KeyRole role() {
      if (validDays < 1 || validDays > 3650) {
        throw new UserError("--valid-days must be between 1 and 3650, not " + validDays);
      }
      try {
        return KeyRole.of(role);
      } catch (IllegalArgumentException e) {
        throw new UserError("--role must be publisher or image, not " + role);
      }
    }

    /** Certifies {@code key} with {@code root} into {@code out} and says so on {@code spec}'s output. */
    void certify(RootAuthority root, PublicKey key, Path out, CommandSpec spec) throws IOException {
      KeyRole r = role();
      SignedDocument cert = root.certify(key, r, Instant.now(), Duration.ofDays(validDays));
      cert.write(out);
      KeyCertificate c = KeyCertificate.parse(cert.unverifiedPayload());
      spec.commandLine().getOut().println("certified key " + c.keyId() + " for the " + r.label() + " role by root " + root.keyId()
          + ", valid until " + c.expiresAt() + ": " + out);
    }
  }

  @Command(name = "init-root", mixinStandardHelpOptions = true,
      description = "Create the root key pair: DIR/root.pem (private, mode 0600: keep it offline) and DIR/root.pem.pub "
          + "(what devices are provisioned with). An existing root is never overwritten.")
  static final class InitRoot implements Callable<Integer> {
    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "where to create root.pem and root.pem.pub")
    Path dir;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      Path pem = dir.resolve("root.pem");
      try {
        var pair = Ed25519Keys.create(pem);
        var out = spec.commandLine().getOut();
        out.println("root key " + Ed25519Keys.keyId(pair.getPublic()) + " created: " + pem + " (private: keep it offline) and "
            + Ed25519Keys.publicPemOf(pem) + " (provision devices with it; set DISTILL_ROOT_PUBLIC_KEY to it)");
        return 0;
      } catch (FileAlreadyExistsException e) {
        throw new UserError(e.getFile() + " exists: a root is never overwritten (devices pin it)");
      }
    }
  }

  @Command(name = "certify", mixinStandardHelpOptions = true,
      description = "Certify an online key for a role and a number of days: writes the root-signed certificate to --out "
          + "(the publisher reads it from DISTILL_SIGNING_CERT) and prints its key id and expiry.")
  static final class Certify implements Callable<Integer> {
    @Mixin Signing signing;

    @Option(names = "--key", required = true, paramLabel = "PUB_PEM", description = "the public key to certify (X.509 PEM, the .pub)")
    Path key;

    @Mixin Grant grant;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      grant.role();
      PublicKey pub;
      try {
        pub = Ed25519Keys.publicKeyPem(Files.readString(key));
      } catch (IOException | IllegalArgumentException e) {
        throw new UserError("--key " + key + " is not an Ed25519 public key (X.509 PEM): " + e.getMessage());
      }
      grant.certify(signing.root(), pub, signing.out, spec);
      return 0;
    }
  }

  @Command(name = "rotate", mixinStandardHelpOptions = true,
      description = "A new online key, certified: writes DIR/signing-key.pem (mode 0600), its .pub and the root's "
          + "certificate DIR/signing-key.cert. Install the three (DISTILL_SIGNING_KEY, DISTILL_SIGNING_CERT) and restart the "
          + "publisher; devices pinned to the root follow. Then revoke the old key (distill keys revoke).")
  static final class Rotate implements Callable<Integer> {
    @Option(names = "--root", required = true, paramLabel = "ROOT_PEM", description = "the root's private key (root.pem)")
    Path rootPem;

    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "where to write the new key and its certificate")
    Path dir;

    @Mixin Grant grant;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      Path pem = dir.resolve("signing-key.pem");
      Path cert = dir.resolve("signing-key.cert");
      if (Files.exists(cert)) {
        throw new UserError(cert + " exists: rotate into an empty folder");
      }
      // the root and the grant first: no new key without a certificate for it
      RootAuthority root = loadRoot(rootPem);
      grant.role();
      java.security.KeyPair pair;
      try {
        pair = Ed25519Keys.create(pem);
      } catch (FileAlreadyExistsException e) {
        throw new UserError(e.getFile() + " exists: rotate into an empty folder");
      }
      grant.certify(root, pair.getPublic(), cert, spec);
      spec.commandLine().getOut().println("new key " + Ed25519Keys.keyId(pair.getPublic()) + " of root " + root.keyId()
          + ": install " + pem + ", its .pub and " + cert + ", restart the publisher, then revoke the old key");
      return 0;
    }
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true,
      description = "Revoke keys: writes the next root-signed revocation list to --out (the previous list's revocations "
          + "kept, its sequence plus one). Give it to the publisher (DISTILL_KEY_REVOCATIONS), which serves it to devices.")
  static final class Revoke implements Callable<Integer> {
    @Mixin Signing signing;

    @Option(names = "--key-id", required = true, paramLabel = "ID", description = "a key id to revoke (16 hex digits); repeatable")
    List<String> keyIds;

    @Option(names = "--previous", paramLabel = "FILE", description = "the latest revocation list, if there is one")
    Path previous;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      for (String id : keyIds) {
        if (!KeyCertificate.KEY_ID.matcher(id).matches()) {
          throw new UserError("--key-id must be 16 lowercase hex digits, not " + id);
        }
      }
      RootAuthority root = signing.root();
      SignedDocument list;
      try {
        list = root.revoke(previous == null ? null : SignedDocument.read(previous), keyIds, Instant.now());
      } catch (ManifestRejectedException e) {
        throw new UserError("--previous " + previous + " is not a revocation list of root " + root.keyId() + ": " + e.getMessage());
      }
      list.write(signing.out);
      RevocationList r = RevocationList.parse(list.unverifiedPayload());
      spec.commandLine().getOut().println("revocation list " + r.sequence() + " by root " + root.keyId() + " revokes "
          + String.join(", ", r.revoked()) + ": " + signing.out);
      return 0;
    }
  }
}
