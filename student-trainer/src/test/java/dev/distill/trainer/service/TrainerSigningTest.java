package dev.distill.trainer.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.contract.ota.Ed25519Keys;
import dev.distill.contract.ota.KeyRole;
import dev.distill.contract.ota.RootAuthority;
import dev.distill.trainer.sign.ImageKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A trainer given a certificate that is not of its image key would sign versions every device refuses: it does not start. */
class TrainerSigningTest {
  @TempDir Path dir;

  @Test
  void aCertificateOfAnotherKeyStopsStartUpWithExitCode2AndOneMessage() throws Exception {
    RootAuthority root = new RootAuthority(Ed25519Keys.generate());
    Path key = dir.resolve("image.pem");
    Ed25519Keys.create(key);
    Path cert = dir.resolve("image.cert");
    root.certify(Ed25519Keys.generate().getPublic(), KeyRole.IMAGE, Instant.now(), Duration.ofDays(90)).write(cert);
    Path log = dir.resolve("trainer.log");
    Process p = TrainerProcess.start(Map.of(ImageKey.KEY, key.toString(), ImageKey.CERT, cert.toString()), List.of(),
        dir.resolve("tmp"), log);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the trainer exits").isTrue();

    String output = Files.readString(log);
    assertThat(p.exitValue()).as(output).isEqualTo(2);
    assertThat(output).contains("student-trainer: invalid configuration (1 problem):\n  - " + ImageKey.CERT + "=" + cert)
        .contains("it certifies key").doesNotContain("Exception", "\tat ");
  }
}
