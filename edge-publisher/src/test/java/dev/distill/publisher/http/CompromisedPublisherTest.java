package dev.distill.publisher.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.client.agent.DeviceAgent;
import dev.distill.client.agent.OrtRuntime;
import dev.distill.client.agent.UpdateRejectedException.Reason;
import dev.distill.client.http.PublisherClient;
import dev.distill.client.sim.Students;
import dev.distill.contract.ota.Ed25519Keys;
import dev.distill.contract.ota.ImageSigner;
import dev.distill.contract.ota.KeyRole;
import dev.distill.contract.ota.ManifestVerifier;
import dev.distill.contract.ota.RootAuthority;
import dev.distill.contract.ota.SignedDocument;
import dev.distill.publisher.PublisherConfig;
import dev.distill.publisher.PublisherService;
import dev.distill.publisher.TestPublishers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #13 end to end: whoever controls the publisher, its certified key included, signs
 * manifests every device trusts, but cannot make the trainer's image signature. A real device
 * behind the real publisher installs the version the trainer signed and refuses every artifact
 * the trainer never signed, however the publisher presents it.
 */
class CompromisedPublisherTest {
  @TempDir Path dir;
  final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  final Instant now = Instant.now();

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  @Test
  void aPublisherKeyAloneCannotShipAnArtifactTheTrainerNeverSigned() throws Exception {
    RootAuthority root = new RootAuthority(Ed25519Keys.create(dir.resolve("offline/root.pem")));
    Path key = dir.resolve("publisher/key.pem");
    KeyPair publisherKey = Ed25519Keys.create(key);
    Path cert = dir.resolve("publisher/key.cert");
    root.certify(publisherKey.getPublic(), KeyRole.PUBLISHER, now, Duration.ofDays(90)).write(cert);
    ImageSigner trainer = ImageSigner.certifiedBy(root, now, Duration.ofDays(90));
    byte[] v1 = Students.random(784, 16, 10, 1, 1);
    byte[] evil = Students.random(784, 16, 10, 66, 66);

    try (PublisherService publisher = PublisherService.startInMemory(TestPublishers.config(dir.resolve("publisher"), Map.of(
        PublisherConfig.WAVES, "100%", PublisherConfig.MIN_WAVE_DURATION, "0s",
        PublisherConfig.SIGNING_KEY, key.toString(), PublisherConfig.SIGNING_CERT, cert.toString(),
        PublisherConfig.ROOT_PUBLIC_KEY, Ed25519Keys.publicPemOf(dir.resolve("offline/root.pem")).toString())),
        Clock.systemUTC())) {
      PublisherClient client = new PublisherClient(PublisherClient.newHttpClient(Executors.newFixedThreadPool(1)),
          publisher.apiUri());
      String token = TestPublishers.admin(publisher).register("dev-1", "m").token();
      List<DeviceAgent.Outcome> outcomes = new CopyOnWriteArrayList<>();
      try (DeviceAgent agent = new DeviceAgent(new DeviceAgent.Settings("dev-1", token, "m", new ManifestVerifier(root.trust()),
          dir.resolve("device"), 64L << 20, Duration.ofMillis(200), false), client, new OrtRuntime(1), scheduler,
          Executors.newSingleThreadExecutor(), Clock.systemUTC())) {
        agent.onOutcome(outcomes::add).start();
        publisher.ingest(Students.version("m", 1, v1, trainer), System.currentTimeMillis());
        TestPublishers.await("the trainer's version 1 installed", Duration.ofSeconds(30), () -> agent.activeVersion() == 1);

        // the attacker publishes its own artifact: without an image signature ...
        publisher.ingest(Students.version("m", 2, evil), System.currentTimeMillis());
        awaitRefusal(outcomes, 2, Reason.IMAGE_SIGNATURE_MISSING);
        // ... with the trainer's genuine signature of version 1 ...
        publisher.ingest(Students.version("m", 3, evil).toBuilder()
            .setImageSignature(Students.version("m", 1, v1, trainer).getImageSignature()).build(), System.currentTimeMillis());
        awaitRefusal(outcomes, 3, Reason.IMAGE_MISMATCH);
        // ... or signed with the publisher's own certified key, which is not an image key
        publisher.ingest(Students.version("m", 4, evil, new ImageSigner(publisherKey, SignedDocument.read(cert))),
            System.currentTimeMillis());
        awaitRefusal(outcomes, 4, Reason.UNTRUSTED_KEY);

        assertThat(agent.activeVersion()).isEqualTo(1);
        assertThat(Files.readAllBytes(agent.activeSlot().orElseThrow().file())).isEqualTo(v1);
        assertThat(client.downloadedBytes()).as("the attacker's artifact was never downloaded").isEqualTo(v1.length);
      }
    }
  }

  static void awaitRefusal(List<DeviceAgent.Outcome> outcomes, long version, Reason reason) throws InterruptedException {
    TestPublishers.await("version " + version + " refused with " + reason, Duration.ofSeconds(30), () -> outcomes.stream()
        .anyMatch(o -> o.version() == version && o.result() == DeviceAgent.Result.REJECTED && o.reason() == reason));
  }
}
