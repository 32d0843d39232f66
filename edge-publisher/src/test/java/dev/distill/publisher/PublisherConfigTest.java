package dev.distill.publisher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.platform.config.ConfigException;
import dev.distill.platform.config.ConfigReader;
import dev.distill.contract.ota.Ed25519Keys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PublisherConfigTest {
  @Test
  void defaultsNeedOnlyTheAdminToken() {
    PublisherConfig c = PublisherConfig.read(ConfigReader.from(Map.of(PublisherConfig.ADMIN_TOKEN, "a-long-enough-admin-token")));
    assertThat(c.apiPort()).isEqualTo(8090);
    assertThat(c.service().httpPort()).isEqualTo(8083);
    assertThat(c.rollouts().waves()).containsExactly(0.01, 0.10, 0.50, 1.0);
    assertThat(c.manifestTtl()).isEqualTo(Duration.ofHours(1));
    assertThat(c.toString()).doesNotContain("a-long-enough-admin-token");
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    assertThatThrownBy(() -> PublisherConfig.read(ConfigReader.from(Map.of(
        PublisherConfig.PORT, "99999",
        PublisherConfig.WAVES, "50%,10%",
        PublisherConfig.MAX_FAILURE_RATE, "2",
        PublisherConfig.MANIFEST_TTL, "soon"))))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(5)
            .anySatisfy(p -> assertThat(p).startsWith(PublisherConfig.ADMIN_TOKEN + " is required"))
            .anySatisfy(p -> assertThat(p).startsWith(PublisherConfig.WAVES)));
  }

  @Test
  void theAdminApiNeedsAPortOfItsOwn() {
    PublisherConfig c = PublisherConfig.read(ConfigReader.from(Map.of(PublisherConfig.ADMIN_TOKEN, "a-long-enough-admin-token")));
    assertThat(List.of(c.apiPort(), c.adminPort())).containsExactly(8090, 8091);
    assertThatThrownBy(() -> PublisherConfig.read(ConfigReader.from(Map.of(
        PublisherConfig.ADMIN_TOKEN, "a-long-enough-admin-token",
        PublisherConfig.PORT, "9000", PublisherConfig.ADMIN_PORT, "9000"))))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement()
            .satisfies(p -> assertThat(p).startsWith(PublisherConfig.ADMIN_PORT)));
  }

  @Test
  void wavesReadAsPercentagesOrFractions() {
    PublisherConfig c = PublisherConfig.read(ConfigReader.from(Map.of(PublisherConfig.ADMIN_TOKEN, "a-long-enough-admin-token",
        PublisherConfig.WAVES, "0.05, 25%, 1", PublisherConfig.SIGNING_KEY, "/tmp/k.pem")));
    assertThat(c.rollouts().waves()).containsExactly(0.05, 0.25, 1.0);
    assertThat(c.signing().key()).isEqualTo(Path.of("/tmp/k.pem"));
    assertThat(List.of(c.controller(), c.rollouts().autoStart())).containsOnly(true);
  }

  @Test
  void aSigningKeyWhosePublicKeyIsAnotherOneIsAStartUpProblem(@TempDir Path dir) throws Exception {
    Path key = dir.resolve("signing-key.pem");
    Ed25519Keys.loadOrCreate(key);
    Map<String, String> env = Map.of(PublisherConfig.ADMIN_TOKEN, "a-long-enough-admin-token",
        PublisherConfig.SIGNING_KEY, key.toString());
    assertThat(PublisherConfig.read(ConfigReader.from(env)).signing().key()).isEqualTo(key);

    Path other = dir.resolve("other.pem");
    Ed25519Keys.loadOrCreate(other);
    Files.copy(dir.resolve("other.pem.pub"), dir.resolve("signing-key.pem.pub"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThatThrownBy(() -> PublisherConfig.read(ConfigReader.from(env)))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement()
            .satisfies(p -> assertThat(p).startsWith(PublisherConfig.SIGNING_KEY).contains("is not the public key of")));
    // the service itself refuses the pair too, whoever starts it
    assertThatThrownBy(() -> Ed25519Keys.loadOrCreate(key)).hasMessageContaining("is not the public key of");

    Files.delete(dir.resolve("signing-key.pem.pub"));
    assertThatThrownBy(() -> PublisherConfig.read(ConfigReader.from(env)))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement()
            .satisfies(p -> assertThat(p).startsWith(PublisherConfig.SIGNING_KEY).contains("does not exist")));
  }

  @Test
  void deltaStreamAndReportBoundsHaveDefaultsAndAreValidated() {
    PublisherConfig c = PublisherConfig.read(ConfigReader.from(Map.of(PublisherConfig.ADMIN_TOKEN, "a-long-enough-admin-token")));
    assertThat(c.deltaMaxDepth()).isEqualTo(8);
    assertThat(c.deltaLimits().cacheBytes()).isEqualTo(256L << 20);
    assertThat(c.deltaLimits().maxComputations()).isEqualTo(2);
    assertThat(c.maxStreams()).isEqualTo(20_000);
    assertThat(c.reports().burst()).isEqualTo(10);
    assertThat(c.reports().interval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.reports().maxLabelled()).isEqualTo(500);
    assertThatThrownBy(() -> PublisherConfig.read(ConfigReader.from(Map.of(
        PublisherConfig.ADMIN_TOKEN, "a-long-enough-admin-token",
        PublisherConfig.DELTA_MAX_DEPTH, "-1", PublisherConfig.DELTA_CACHE_BYTES, "lots",
        PublisherConfig.DELTA_MAX_COMPUTATIONS, "0", PublisherConfig.SSE_MAX_STREAMS, "-5",
        PublisherConfig.REPORT_BURST, "0", PublisherConfig.REPORT_INTERVAL, "0s"))))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(6));
  }
}
