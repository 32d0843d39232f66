package dev.distill.publisher;

import dev.distill.contract.ota.Ed25519Keys;
import dev.distill.contract.ota.ManifestSigner;
import dev.distill.platform.http.Health;
import dev.distill.platform.http.Metrics;
import dev.distill.platform.http.OpsServer;
import dev.distill.platform.lifecycle.GracefulShutdown;
import dev.distill.platform.topics.TopicAdmin;
import dev.distill.publisher.http.ApiServer;
import dev.distill.publisher.http.PublisherMetrics;
import dev.distill.publisher.kafka.KafkaStateLog;
import dev.distill.publisher.rollout.RolloutController;
import dev.distill.publisher.sign.ManifestIssuer;
import dev.distill.publisher.state.FleetView;
import dev.distill.publisher.state.InMemoryStateLog;
import dev.distill.publisher.state.StateLog;
import dev.distill.publisher.state.VersionIngest;
import dev.distill.publisher.store.ArtifactStore;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.security.KeyPair;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge-publisher, assembled: state from Kafka (or memory), the artifact store, the
 * signing key, the rollout controller ticking once a second, the API and the ops side port.
 * {@link #start} returns a running service (tests and the demo); {@link #run} blocks until the
 * process is asked to stop (the service's main).
 */
public final class PublisherService implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PublisherService.class);

  private final PublisherConfig config;
  private final FleetView view = new FleetView();
  private final StateLog stateLog;
  private final VersionIngest ingest;
  private final ApiServer api;
  private final OpsServer ops;
  private final RolloutController controller;
  private final ScheduledExecutorService ticker;
  private final ManifestSigner signer;
  private final ArtifactStore store;
  private final java.util.concurrent.atomic.AtomicBoolean tickQueued = new java.util.concurrent.atomic.AtomicBoolean();

  private PublisherService(PublisherConfig config, Clock clock, boolean inMemory) throws IOException, InterruptedException {
    this.config = config;
    this.store = new ArtifactStore(config.artifactDir(), config.deltaLimits());
    this.ingest = new VersionIngest(store, view);
    KeyPair keys = Ed25519Keys.loadOrCreate(config.signingKey());
    this.signer = new ManifestSigner(keys);
    PrometheusMeterRegistry registry = Metrics.newRegistry(config.service().serviceName());
    PublisherMetrics metrics = new PublisherMetrics(registry);
    if (inMemory) {
      stateLog = new InMemoryStateLog(view);
    } else {
      try (Admin admin = Admin.create(config.kafka().clientProperties())) {
        TopicAdmin.ensure(admin, config.kafka().topics(), config.kafka().replicationFactor());
      }
      stateLog = new KafkaStateLog(config.kafka(), config.kafka().topics(), view, ingest).start();
    }
    controller = new RolloutController(view, stateLog, config.rollouts(), clock);
    ManifestIssuer issuer = new ManifestIssuer(signer, config.manifestTtl(), clock);
    api = ApiServer.start(config.apiPort(), config.adminPort(), new ApiServer.Settings(config.adminToken(), config.pollInterval(),
        config.maxBodyBytes(), config.keepAlive(), config.deltaMaxDepth(),
        config.maxStreams(), config.reports()), view, stateLog, controller, issuer, store, metrics, clock);
    ops = OpsServer.start(config.service().httpPort(), registry);
    ops.readiness("state", () -> stateLog.caughtUp() ? Health.up("state topics read") : Health.down("reading state topics"));
    if (stateLog instanceof KafkaStateLog k) {
      ops.liveness("state-reader", () -> k.failure() == null ? Health.up("reading") : Health.down(k.failure().toString()));
    }
    ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "publisher-rollouts");
      t.setDaemon(true);
      return t;
    });
    Runnable tick = () -> {
      tickQueued.set(false);
      try {
        if (stateLog.caughtUp()) {
          if (config.controller()) {
            controller.tick();
          }
          metrics.refresh(view);
        }
      } catch (Exception e) {
        log.warn("rollout tick failed: {}", e.toString());
      }
    };
    ticker.scheduleWithFixedDelay(tick, 200, 500, TimeUnit.MILLISECONDS);
    // a new version starts its rollout at once, not at the next tick: publish-to-device latency
    view.onVersion(model -> {
      if (tickQueued.compareAndSet(false, true)) {
        ticker.execute(tick);
      }
    });
    log.info("edge-publisher: device API on port {}, admin API on port {}, ops on port {}, signing key {}", api.port(),
        api.adminPort(), ops.port(), signer.keyId());
  }

  /** A running publisher whose state lives in Kafka. */
  public static PublisherService start(PublisherConfig config, Clock clock) throws IOException, InterruptedException {
    return new PublisherService(config, clock, false);
  }

  /** A running publisher whose state lives only in memory (no Kafka): tests, experiments. */
  public static PublisherService startInMemory(PublisherConfig config, Clock clock) throws IOException, InterruptedException {
    return new PublisherService(config, clock, true);
  }

  /** Runs until SIGTERM/SIGINT; the service's main calls this. */
  public static void run(PublisherConfig config) throws IOException, InterruptedException {
    GracefulShutdown shutdown = GracefulShutdown.onSignal("edge-publisher", config.service().shutdownTimeout());
    shutdown.register("edge-publisher", start(config, Clock.systemUTC()));
    shutdown.await();
  }

  public URI apiUri() {
    return URI.create("http://localhost:" + api.port());
  }

  public int apiPort() {
    return api.port();
  }

  /** The admin API (device registration, rollouts): its own port, never behind the Ingress. */
  public URI adminUri() {
    return URI.create("http://localhost:" + api.adminPort());
  }

  public int opsPort() {
    return ops.port();
  }

  public String keyId() {
    return signer.keyId();
  }

  public FleetView view() {
    return view;
  }

  /** The artifact store and its delta cache (tests look at its bounds). */
  public ArtifactStore store() {
    return store;
  }

  public RolloutController controller() {
    return controller;
  }

  public boolean ready() {
    return stateLog.caughtUp();
  }

  /** Serves a version without Kafka (in-memory publishers only: with Kafka, publish to the topic). */
  public boolean ingest(dev.distill.contract.proto.ModelVersion version, long publishedAtMs) {
    return ingest.ingest(version, publishedAtMs);
  }

  public PublisherConfig config() {
    return config;
  }

  @Override
  public void close() {
    ticker.shutdownNow();
    api.close();
    ops.close();
    stateLog.close();
  }
}
