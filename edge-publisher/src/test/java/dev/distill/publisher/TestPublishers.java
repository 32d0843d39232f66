package dev.distill.publisher;

import dev.distill.client.http.AdminClient;
import dev.distill.platform.config.ConfigReader;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** Configurations for publishers started by tests: free ports, temporary folders. */
public final class TestPublishers {
  public static final String ADMIN = "admin-token-for-tests-0123456789";

  private TestPublishers() {}

  /** Waits until the condition holds, failing after {@code max}: a bounded wait, not a timing assertion. */
  public static void await(String what, java.time.Duration max, java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(50);
    }
  }

  /** The admin API of a running publisher, with the test admin token. */
  public static AdminClient admin(PublisherService publisher) {
    return new AdminClient(HttpClient.newHttpClient(), publisher.adminUri(), ADMIN);
  }

  /** A verifier pinning the root the publisher serves at /v1/keys (trusted on first use, as the simulator does). */
  public static dev.distill.contract.ota.ManifestVerifier verifier(PublisherService publisher) throws Exception {
    var keys = new dev.distill.client.http.PublisherClient(HttpClient.newHttpClient(), publisher.apiUri()).keys();
    return new dev.distill.contract.ota.ManifestVerifier(new dev.distill.contract.ota.RootOfTrust(
        dev.distill.contract.ota.Ed25519Keys.publicKey(java.util.Base64.getDecoder().decode(keys.root().publicKey()))));
  }

  /**
   * The trainer's image key, certified by the dev root of the publisher whose configuration is in
   * {@code dir} ({@link #config}; the root exists once that publisher has started): the versions
   * a test publishes carry its signature, as the trainer's would.
   */
  public static dev.distill.contract.ota.ImageSigner trainer(Path dir) throws java.io.IOException {
    return dev.distill.contract.ota.ImageSigner.certifiedBy(dev.distill.contract.ota.RootAuthority.load(dir.resolve("root.pem")),
        java.time.Instant.now().minus(Duration.ofDays(1)), Duration.ofDays(365));
  }

  /** Up to {@code expected} records of a one-partition topic from its start, within 30 s. */
  public static <V> java.util.List<V> readFromStart(PublisherConfig config, dev.distill.platform.topics.Topic<String, V> topic,
      int expected) {
    Map<String, Object> p = new HashMap<>(config.kafka().clientProperties());
    p.put(org.apache.kafka.clients.consumer.ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    java.util.List<V> out = new java.util.ArrayList<>();
    try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(p, topic.keySerde().deserializer(),
        topic.valueSerde().deserializer())) {
      consumer.assign(java.util.List.of(new org.apache.kafka.common.TopicPartition(topic.name(), 0)));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (out.size() < expected && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> out.add(r.value()));
      }
    }
    return out;
  }

  public static PublisherConfig config(Path dir, Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(Map.of(
        PublisherConfig.PORT, "0",
        PublisherConfig.ADMIN_PORT, "0",
        "DISTILL_HTTP_PORT", "0",
        PublisherConfig.ADMIN_TOKEN, ADMIN,
        PublisherConfig.SIGNING_KEY, dir.resolve("key.pem").toString(),
        PublisherConfig.ARTIFACT_DIR, dir.resolve("artifacts").toString(),
        PublisherConfig.MAX_BODY, "4096"));
    env.putAll(extra);
    return PublisherConfig.read(ConfigReader.from(env));
  }
}
