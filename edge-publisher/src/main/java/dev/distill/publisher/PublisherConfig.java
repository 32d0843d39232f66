package dev.distill.publisher;

import dev.distill.contract.data.DataHome;
import dev.distill.platform.config.ConfigReader;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.platform.config.ServiceSettings;
import dev.distill.publisher.http.Operators;
import dev.distill.publisher.http.ReportLimits;
import dev.distill.publisher.retention.RetentionPolicy;
import dev.distill.publisher.rollout.RolloutSettings;
import dev.distill.publisher.sign.SigningFiles;
import dev.distill.publisher.sign.SigningIdentity;
import dev.distill.publisher.store.ArtifactStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The edge-publisher's configuration, from {@code DISTILL_*} variables; every problem is
 * reported at once and the admin token never appears in {@link #toString()}.
 *
 * @param apiPort the device API, the port an Ingress exposes (0 picks a free port)
 * @param adminPort the admin API, never exposed outside the cluster (0 picks a free port)
 * @param signing the signing key (created on first start), its certificate by the root, the
 *     root's public key and the newest revocation list (see {@link SigningFiles})
 * @param manifestTtl how long a signed manifest stays valid
 * @param pollInterval how often devices without a push channel should ask
 * @param controller whether this replica may be elected the rollout controller, the one writer of
 *     rollout state (all replicas serve devices and take operators' commands)
 * @param commandTimeout how long an operator's call waits for the controller's outcome before it
 *     is answered 503 (the command stays queued)
 * @param deltaMaxDepth deltas are served only from an ancestor of the target at most this many versions back
 * @param deltaLimits the delta cache's size on disk and how many deltas are computed at once
 * @param maxStreams open event streams at most on a replica (one per device)
 * @param reports how often a device may report, and how much one report counts in the gates
 * @param retention how many versions per model the archive and the artifact store keep beyond those in use
 * @param kafkaLostAfter a replica that has not reached Kafka for this long is not ready: it
 *     would answer from a view that no longer follows the topics
 */
public record PublisherConfig(
    KafkaSettings kafka,
    ServiceSettings service,
    int apiPort,
    int adminPort,
    String adminToken,
    Operators operators,
    SigningFiles signing,
    Path artifactDir,
    Duration manifestTtl,
    Duration pollInterval,
    Duration keepAlive,
    int maxBodyBytes,
    boolean controller,
    RolloutSettings rollouts,
    Duration commandTimeout,
    int deltaMaxDepth,
    ArtifactStore.DeltaLimits deltaLimits,
    int maxStreams,
    ReportLimits reports,
    RetentionPolicy retention,
    Duration kafkaLostAfter) {

  public static final String PORT = "DISTILL_PUBLISHER_PORT";
  public static final String ADMIN_PORT = "DISTILL_PUBLISHER_ADMIN_PORT";
  public static final String ADMIN_TOKEN = "DISTILL_ADMIN_TOKEN";
  public static final String ADMIN_TOKENS = "DISTILL_ADMIN_TOKENS";
  public static final String SIGNING_KEY = "DISTILL_SIGNING_KEY";
  public static final String SIGNING_CERT = "DISTILL_SIGNING_CERT";
  public static final String ROOT_PUBLIC_KEY = "DISTILL_ROOT_PUBLIC_KEY";
  public static final String KEY_REVOCATIONS = "DISTILL_KEY_REVOCATIONS";
  public static final String ARTIFACT_DIR = "DISTILL_ARTIFACT_DIR";
  public static final String MANIFEST_TTL = "DISTILL_MANIFEST_TTL";
  public static final String POLL_INTERVAL = "DISTILL_POLL_INTERVAL";
  public static final String SSE_KEEPALIVE = "DISTILL_SSE_KEEPALIVE";
  public static final String MAX_BODY = "DISTILL_MAX_BODY_BYTES";
  public static final String CONTROLLER = "DISTILL_ROLLOUT_CONTROLLER";
  public static final String COMMAND_TIMEOUT = "DISTILL_ROLLOUT_COMMAND_TIMEOUT";
  public static final String WAVES = "DISTILL_ROLLOUT_WAVES";
  public static final String AUTO = "DISTILL_ROLLOUT_AUTO";
  public static final String MIN_WAVE_DEVICES = "DISTILL_ROLLOUT_MIN_WAVE_DEVICES";
  public static final String MIN_WAVE_DURATION = "DISTILL_GATE_MIN_WAVE_DURATION";
  public static final String WAVE_TIMEOUT = "DISTILL_GATE_WAVE_TIMEOUT";
  public static final String DEVICE_TIMEOUT = "DISTILL_GATE_DEVICE_TIMEOUT";
  public static final String MIN_REPORTED = "DISTILL_GATE_MIN_REPORTED";
  public static final String MAX_FAILURE_RATE = "DISTILL_GATE_MAX_FAILURE_RATE";
  public static final String MAX_ACCURACY_DROP = "DISTILL_GATE_MAX_ACCURACY_DROP";
  public static final String MIN_ACCURACY = "DISTILL_GATE_MIN_ACCURACY";
  public static final String MIN_LABELLED = "DISTILL_GATE_MIN_LABELLED";
  public static final String DELTA_MAX_DEPTH = "DISTILL_DELTA_MAX_DEPTH";
  public static final String DELTA_CACHE_BYTES = "DISTILL_DELTA_CACHE_BYTES";
  public static final String DELTA_MAX_COMPUTATIONS = "DISTILL_DELTA_MAX_COMPUTATIONS";
  public static final String SSE_MAX_STREAMS = "DISTILL_SSE_MAX_STREAMS";
  public static final String REPORT_BURST = "DISTILL_REPORT_BURST";
  public static final String REPORT_INTERVAL = "DISTILL_REPORT_INTERVAL";
  public static final String REPORT_MAX_LABELLED = "DISTILL_REPORT_MAX_LABELLED";
  public static final String REPORT_MAX_INFERENCES = "DISTILL_REPORT_MAX_INFERENCES";
  public static final String ARCHIVE_KEEP = "DISTILL_ARCHIVE_KEEP";
  public static final String KAFKA_LOST_AFTER = "DISTILL_KAFKA_LOST_AFTER";

  /** The variable a signing-file problem is about, as the one-line problem a ConfigException lists. */
  public static String describe(SigningFiles.Problem p) {
    String key = variable(p.field());
    return key + "=" + ConfigReader.display(key, p.value()) + ": expected " + p.expected();
  }

  private static String variable(SigningFiles.Field field) {
    return switch (field) {
      case KEY -> SIGNING_KEY;
      case CERTIFICATE -> SIGNING_CERT;
      case ROOT_PUBLIC_KEY -> ROOT_PUBLIC_KEY;
      case REVOCATIONS -> KEY_REVOCATIONS;
    };
  }

  /**
   * The key pair must load and belong together, and a configured certificate must be the key's
   * own, unexpired and unrevoked, or the publisher would sign manifests no device accepts.
   */
  private static SigningFiles signingFiles(ConfigReader r, Path home) {
    SigningFiles files = new SigningFiles(r.path(SIGNING_KEY, home.resolve("signing-key.pem")), r.path(SIGNING_CERT, null),
        r.path(ROOT_PUBLIC_KEY, null), r.path(KEY_REVOCATIONS, null));
    for (SigningFiles.Problem p : SigningIdentity.problems(files, java.time.Instant.now())) {
      r.problem(variable(p.field()), p.value(), p.expected());
    }
    return files;
  }

  public static PublisherConfig read(ConfigReader r) {
    KafkaSettings kafka = KafkaSettings.read(r);
    ServiceSettings service = ServiceSettings.read(r, "edge-publisher", 8083);
    int port = r.intValue(PORT, 8090, 0, 65535);
    int adminPort = r.intValue(ADMIN_PORT, 8091, 0, 65535);
    if (port != 0 && port == adminPort) {
      r.problem(ADMIN_PORT, Integer.toString(adminPort), "a port other than " + PORT + "'s: the admin API must not share the device port");
    }
    String admin = r.required(ADMIN_TOKEN, "the bearer token of the admin API (register devices, run rollouts)");
    if (admin != null && admin.length() < 16) {
      r.problem(ADMIN_TOKEN, admin, "at least 16 characters");
    }
    Operators operators = admin == null ? null : Operators.of(admin);
    String tokensFile = r.string(ADMIN_TOKENS, null);
    if (admin != null && tokensFile != null) {
      try {
        operators = Operators.read(admin, Path.of(tokensFile));
      } catch (IOException | IllegalArgumentException e) {
        r.problem(ADMIN_TOKENS, tokensFile, "a readable file of 'NAME ROLE SHA256' lines (" + e.getMessage() + ")");
      }
    }
    Path home = DataHome.resolve().root().resolve("publisher");
    SigningFiles signing = signingFiles(r, home);
    Path artifacts = r.path(ARTIFACT_DIR, home.resolve("artifacts"));
    Duration ttl = r.duration(MANIFEST_TTL, Duration.ofHours(1), Duration.ofMinutes(1), Duration.ofDays(30));
    Duration poll = r.duration(POLL_INTERVAL, Duration.ofSeconds(60), Duration.ofSeconds(1), Duration.ofDays(1));
    // below Jetty's 30 s idle timeout, which would otherwise close quiet event streams
    Duration keepAlive = r.duration(SSE_KEEPALIVE, Duration.ofSeconds(15), Duration.ofSeconds(1), Duration.ofSeconds(25));
    int maxBody = r.intValue(MAX_BODY, 64 * 1024, 1024, 16 * 1024 * 1024);
    boolean controller = r.bool(CONTROLLER, true);
    String wavesText = r.string(WAVES, "1%,10%,50%,100%");
    List<Double> waves = RolloutSettings.DEFAULT_WAVES;
    try {
      waves = RolloutSettings.parseWaves(wavesText);
      String problem = RolloutSettings.checkWaves(waves);
      if (problem != null) {
        r.problem(WAVES, wavesText, "increasing fractions ending at 100% (" + problem + ")");
        waves = RolloutSettings.DEFAULT_WAVES;
      }
    } catch (NumberFormatException e) {
      r.problem(WAVES, wavesText, "a comma-separated list such as 1%,10%,50%,100%");
    }
    RolloutSettings rollouts = new RolloutSettings(
        waves,
        r.intValue(MIN_WAVE_DEVICES, 1, 0, 1_000_000),
        r.duration(MIN_WAVE_DURATION, Duration.ofMinutes(2), Duration.ZERO, Duration.ofDays(7)),
        r.duration(WAVE_TIMEOUT, Duration.ofMinutes(30), Duration.ofSeconds(1), Duration.ofDays(30)),
        r.duration(DEVICE_TIMEOUT, Duration.ofMinutes(10), Duration.ZERO, Duration.ofDays(30)),
        r.doubleValue(MIN_REPORTED, 0.8, 0.0, 1.0),
        r.doubleValue(MAX_FAILURE_RATE, 0.05, 0.0, 1.0),
        r.doubleValue(MAX_ACCURACY_DROP, 0.02, 0.0, 1.0),
        r.doubleValue(MIN_ACCURACY, 0.0, 0.0, 1.0),
        r.longValue(MIN_LABELLED, 200, 0, Long.MAX_VALUE),
        r.bool(AUTO, true));
    // a delta from further back is a chain of one delta per version between (DeltaCodec.MAX_HOPS at most)
    int deltaDepth = r.intValue(DELTA_MAX_DEPTH, 8, 0, dev.distill.contract.ota.DeltaCodec.MAX_HOPS);
    long deltaCache = r.longValue(DELTA_CACHE_BYTES, ArtifactStore.DeltaLimits.DEFAULT.cacheBytes(), 0, Long.MAX_VALUE);
    int deltaComputations = r.intValue(DELTA_MAX_COMPUTATIONS, ArtifactStore.DeltaLimits.DEFAULT.maxComputations(), 1, 64);
    int maxStreams = r.intValue(SSE_MAX_STREAMS, 20_000, 0, 1_000_000);
    ReportLimits reports = new ReportLimits(
        r.intValue(REPORT_BURST, 10, 1, 10_000),
        r.duration(REPORT_INTERVAL, Duration.ofSeconds(2), Duration.ofMillis(1), Duration.ofDays(1)),
        r.longValue(REPORT_MAX_LABELLED, 500, 0, Long.MAX_VALUE),
        r.longValue(REPORT_MAX_INFERENCES, 10_000_000, 0, Long.MAX_VALUE));
    Duration commandTimeout = r.duration(COMMAND_TIMEOUT, Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofMinutes(5));
    Duration lostAfter = r.duration(KAFKA_LOST_AFTER, Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofHours(1));
    int keep = r.intValue(ARCHIVE_KEEP, RetentionPolicy.DEFAULT_KEEP, RetentionPolicy.MIN_KEEP, 100_000);
    r.validate();
    return new PublisherConfig(kafka, service, port, adminPort, admin, operators, signing, artifacts, ttl, poll, keepAlive,
        maxBody, controller, rollouts, commandTimeout, deltaDepth, new ArtifactStore.DeltaLimits(deltaCache, deltaComputations), maxStreams,
        reports, new RetentionPolicy(keep), lostAfter);
  }

  @Override
  public String toString() {
    return "PublisherConfig[kafka=" + kafka + ", service=" + service + ", apiPort=" + apiPort
        + ", adminPort=" + adminPort + ", adminToken=****, operators=" + (operators == null ? 0 : operators.size())
        + ", signing=" + signing + ", artifactDir=" + artifactDir + ", manifestTtl="
        + manifestTtl + ", pollInterval=" + pollInterval + ", keepAlive=" + keepAlive + ", maxBodyBytes="
        + maxBodyBytes + ", controller=" + controller + ", rollouts=" + rollouts + ", commandTimeout=" + commandTimeout
        + ", deltaMaxDepth=" + deltaMaxDepth
        + ", deltaLimits=" + deltaLimits + ", maxStreams=" + maxStreams + ", reports=" + reports
        + ", retention=" + retention + "]";
  }
}
