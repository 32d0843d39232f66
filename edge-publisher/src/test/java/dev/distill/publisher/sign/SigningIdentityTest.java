package dev.distill.publisher.sign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.contract.ota.Ed25519Keys;
import dev.distill.contract.ota.KeyRole;
import dev.distill.contract.ota.RootAuthority;
import dev.distill.platform.config.ConfigException;
import dev.distill.platform.config.ConfigReader;
import dev.distill.publisher.PublisherConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A publisher starts only with a key the root has certified, unexpired and unrevoked; or in the logged dev mode. */
class SigningIdentityTest {
  @TempDir Path dir;
  final Instant now = Instant.now();

  Map<String, String> env(Path key, Path cert, Path root) {
    Map<String, String> env = new HashMap<>(Map.of(PublisherConfig.ADMIN_TOKEN, "a-long-enough-admin-token",
        PublisherConfig.SIGNING_KEY, key.toString()));
    if (cert != null) {
      env.put(PublisherConfig.SIGNING_CERT, cert.toString());
    }
    if (root != null) {
      env.put(PublisherConfig.ROOT_PUBLIC_KEY, root.toString());
    }
    return env;
  }

  static List<String> problems(Map<String, String> env) {
    try {
      PublisherConfig.read(ConfigReader.from(env));
      return List.of();
    } catch (ConfigException e) {
      return e.problems();
    }
  }

  @Test
  void aCertificateThatIsNotTheKeysOwnExpiredOrRevokedStopsTheStart() throws Exception {
    RootAuthority root = new RootAuthority(Ed25519Keys.create(dir.resolve("root.pem")));
    Path rootPub = dir.resolve("root.pem.pub");
    Path key = dir.resolve("key.pem");
    KeyPair pair = Ed25519Keys.create(key);
    Path cert = dir.resolve("key.cert");
    root.certify(pair.getPublic(), KeyRole.PUBLISHER, now, Duration.ofDays(30)).write(cert);
    Map<String, String> good = env(key, cert, rootPub);
    assertThat(problems(good)).isEmpty();

    Path other = dir.resolve("other.cert");
    root.certify(Ed25519Keys.generate().getPublic(), KeyRole.PUBLISHER, now, Duration.ofDays(30)).write(other);
    assertThat(problems(env(key, other, rootPub))).singleElement().satisfies(p -> assertThat(p)
        .startsWith(PublisherConfig.SIGNING_CERT).contains("UNKNOWN_KEY"));

    Path expired = dir.resolve("expired.cert");
    root.certify(pair.getPublic(), KeyRole.PUBLISHER, now.minus(Duration.ofDays(2)), Duration.ofDays(1)).write(expired);
    assertThat(problems(env(key, expired, rootPub))).singleElement().satisfies(p -> assertThat(p).contains("KEY_EXPIRED"));

    Path image = dir.resolve("image.cert");
    root.certify(pair.getPublic(), KeyRole.IMAGE, now, Duration.ofDays(30)).write(image);
    assertThat(problems(env(key, image, rootPub))).singleElement().satisfies(p -> assertThat(p).contains("UNTRUSTED_KEY"));

    Path foreign = dir.resolve("foreign.cert");
    new RootAuthority(Ed25519Keys.generate()).certify(pair.getPublic(), KeyRole.PUBLISHER, now, Duration.ofDays(30)).write(foreign);
    assertThat(problems(env(key, foreign, rootPub))).singleElement().satisfies(p -> assertThat(p).contains("UNTRUSTED_KEY"));

    Path list = dir.resolve("revocations.json");
    root.revoke(null, List.of(Ed25519Keys.keyId(pair.getPublic())), now).write(list);
    Map<String, String> revoked = new HashMap<>(good);
    revoked.put(PublisherConfig.KEY_REVOCATIONS, list.toString());
    assertThat(problems(revoked)).singleElement().satisfies(p -> assertThat(p)
        .startsWith(PublisherConfig.KEY_REVOCATIONS).contains("KEY_REVOKED"));

    assertThat(problems(env(key, cert, null))).singleElement().satisfies(p -> assertThat(p).startsWith(PublisherConfig.ROOT_PUBLIC_KEY));
    assertThat(problems(env(dir.resolve("missing.pem"), cert, rootPub))).singleElement()
        .satisfies(p -> assertThat(p).startsWith(PublisherConfig.SIGNING_KEY).contains("does not exist"));
    // the service checks the same at start, whoever starts it
    assertThatThrownBy(() -> SigningIdentity.load(new SigningFiles(key, cert, rootPub, list), now, PublisherConfig::describe))
        .isInstanceOf(ConfigException.class).hasMessageContaining("KEY_REVOKED");
  }

  @Test
  void withoutACertificateADevRootBesideTheKeyCertifiesItAndIsKeptAcrossStarts() throws Exception {
    SigningFiles files = new SigningFiles(dir.resolve("key.pem"), null, null, null);
    SigningIdentity first = SigningIdentity.load(files, now, PublisherConfig::describe);
    assertThat(files.devRoot()).exists();
    assertThat(Files.getPosixFilePermissions(files.devRoot())).hasSize(2);
    SigningIdentity again = SigningIdentity.load(files, now.plusSeconds(60), PublisherConfig::describe);
    assertThat(again.root().keyId()).isEqualTo(first.root().keyId()).isNotEqualTo(first.signer().keyId());
    assertThat(again.signer().keyId()).isEqualTo(first.signer().keyId());
    assertThat(again.root().certified(again.signer().certificate(), KeyRole.PUBLISHER, again.signer().keyId(), now,
        java.util.Set.of()).expiresAt()).isAfter(now.plus(Duration.ofDays(300)));
    assertThat(again.keys().root().keyId()).isEqualTo(first.root().keyId());
    assertThat(again.keys().keys()).singleElement().satisfies(k -> assertThat(k.certificate()).isNotNull());
    // a revocation list that cannot be read is a configuration problem in dev mode too
    Map<String, String> env = env(files.key(), null, null);
    env.put(PublisherConfig.KEY_REVOCATIONS, dir.resolve("no-such-list.json").toString());
    assertThat(problems(env)).singleElement().satisfies(p -> assertThat(p).startsWith(PublisherConfig.KEY_REVOCATIONS));
  }
}
