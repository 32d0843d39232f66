package dev.distill.publisher;

import dev.distill.platform.http.Health;
import dev.distill.platform.http.Metrics;
import dev.distill.platform.http.OpsServer;
import dev.distill.platform.lifecycle.GracefulShutdown;
import dev.distill.platform.topics.TopicAdmin;
import dev.distill.publisher.console.CandidateLog;
import dev.distill.publisher.console.Console;
import dev.distill.publisher.http.ApiServer;
import dev.distill.publisher.http.AuditTrail;
import dev.distill.publisher.http.PublisherMetrics;
import dev.distill.publisher.kafka.KafkaAuditTrail;
import dev.distill.publisher.kafka.KafkaRolloutCommands;
import dev.distill.publisher.kafka.KafkaStateLog;
import dev.distill.publisher.kafka.RolloutLeadership;
import dev.distill.publisher.retention.ArchiveRetention;
import dev.distill.publisher.rollout.RolloutController;
import dev.distill.publisher.sign.ManifestIssuer;
import dev.distill.publisher.sign.SigningIdentity;
import dev.distill.publisher.state.FleetView;
import dev.distill.publisher.state.InMemoryStateLog;
import dev.distill.publisher.state.StateLog;
import dev.distill.publisher.state.VersionIngest;
import dev.distill.publisher.store.ArtifactStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge-publisher, assembled: state from Kafka (or memory), the artifact store, the
 * signing key, the rollout controller (with Kafka: a candidate for the one controller role,
 * see {@link RolloutLeadership}), the API and the ops side port.
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
  private final RolloutLeadership leadership;
  private final KafkaRolloutCommands commands;
  private final ScheduledExecutorService ticker;
  private final SigningIdentity identity;
  private final KafkaAuditTrail auditTrail;
  private final ArtifactStore store;
  private final Console console;
  private final java.util.concurrent.atomic.AtomicBoolean tickQueued = new java.util.concurrent.atomic.AtomicBoolean();

  private PublisherService(PublisherConfig config, Clock clock, boolean inMemory) throws IOException, InterruptedException {
    this.config = config;
    this.store = new ArtifactStore(config.artifactDir(), config.deltaLimits());
    this.ingest = new VersionIngest(store, view);
    this.identity = SigningIdentity.load(config.signing(), clock.instant(), PublisherConfig::describe);
    PrometheusMeterRegistry registry = Metrics.newRegistry(config.service().serviceName());
    PublisherMetrics metrics = new PublisherMetrics(registry);
    metrics.archive(view, ingest);
    AuditTrail audit;
    if (inMemory) {
      InMemoryStateLog memory = new InMemoryStateLog(view);
      stateLog = memory;
      controller = new RolloutController(view, memory, config.rollouts(), clock);
      leadership = null;
      commands = null;
      auditTrail = null;
      audit = KafkaAuditTrail.logged();
      console = Console.inMemory();
    } else {
      try (Admin admin = Admin.create(config.kafka().clientProperties())) {
        TopicAdmin.ensure(admin, config.kafka().topics(), config.kafka().replicationFactor());
      }
      KafkaStateLog kafkaLog = new KafkaStateLog(config.kafka(), config.kafka().topics(), view, ingest).start();
      stateLog = kafkaLog;
      if (config.controller()) {
        leadership = new RolloutLeadership(config.kafka(), kafkaLog, view, new ArchiveRetention(view, config.retention()),
            Duration.ofMillis(500));
        controller = new RolloutController(view, leadership::write, config.rollouts(), clock);
        leadership.start(controller);
      } else {
        leadership = null;
        controller = new RolloutController(view, state -> {
          throw new StateLog.StateWriteException("this replica is not a rollout controller candidate", null);
        }, config.rollouts(), clock);
      }
      commands = new KafkaRolloutCommands(config.kafka(), kafkaLog, config.commandTimeout());
      controller.commandsVia(commands);
      auditTrail = new KafkaAuditTrail(config.kafka(), config.kafka().topics().audit(), replica() + "-audit");
      audit = auditTrail;
      console = Console.fromKafka(config.kafka(), clock, replica());
    }
    ManifestIssuer issuer = new ManifestIssuer(identity, config.manifestTtl(), clock, view::rollout);
    api = ApiServer.start(config.apiPort(), config.adminPort(), new ApiServer.Settings(config.adminToken(),
        config.operators(), audit, replica(), config.pollInterval(), config.maxBodyBytes(), config.keepAlive(),
        config.deltaMaxDepth(), config.maxStreams(), config.reports()), view, stateLog, controller, issuer, store,
        metrics, clock, console);
    ops = OpsServer.start(config.service().httpPort(), registry);
    // exactly one replica of a fleet shows 1: alert on a sum other than 1
    Gauge.builder("distill.publisher.rollout.controller", this, p -> p.leading() ? 1 : 0)
        .description("1 while this replica is the rollout controller").register(registry);
    ops.readiness("state", () -> stateLog.caughtUp() ? Health.up("state topics read") : Health.down("reading state topics"));
    if (stateLog instanceof KafkaStateLog k) {
      ops.liveness("state-reader", () -> k.failure() == null ? Health.up("reading") : Health.down(k.failure().toString()));
      // cut off from Kafka, a replica would hand out assignments from a view that no longer moves:
      // out of the Service until it is back (it stays alive: restarting does not bring the broker back)
      ops.readiness("kafka", () -> k.sinceContact().compareTo(config.kafkaLostAfter()) <= 0
          ? Health.up("broker answered " + k.sinceContact().toMillis() + " ms ago")
          : Health.down("no answer from Kafka for " + k.sinceContact().toSeconds() + " s (DISTILL_KAFKA_LOST_AFTER "
              + config.kafkaLostAfter() + ")"));
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
          // with Kafka the elected controller ticks on its own thread (RolloutLeadership)
          if (inMemory && config.controller()) {
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
      if (leadership != null) {
        leadership.tickSoon();
      } else if (tickQueued.compareAndSet(false, true)) {
        ticker.execute(tick);
      }
    });
    log.info("edge-publisher: device API on port {}, admin API on port {}, ops on port {}, signing key {}", api.port(),
        api.adminPort(), ops.port(), identity.signer().keyId());
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

  /** This replica's name in audit records: the host (the pod's name in Kubernetes). */
  private static String replica() {
    String host = System.getenv("HOSTNAME");
    if (host == null || host.isBlank()) {
      try {
        host = java.net.InetAddress.getLocalHost().getHostName();
      } catch (java.net.UnknownHostException e) {
        host = "edge-publisher";
      }
    }
    return host;
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

  /** The event streams this replica holds open. */
  public int connectedDevices() {
    return api.hub().connected();
  }

  public int opsPort() {
    return ops.port();
  }

  public String keyId() {
    return identity.signer().keyId();
  }

  public FleetView view() {
    return view;
  }

  /** The gate's decisions the console shows (an in-memory publisher's take {@code add}). */
  public CandidateLog candidates() {
    return console.candidates();
  }

  /** The artifact store and its delta cache (tests look at its bounds). */
  public ArtifactStore store() {
    return store;
  }

  public RolloutController controller() {
    return controller;
  }

  /** Whether this replica is the rollout controller now (in memory: always). */
  public boolean leading() {
    return leadership == null ? commands == null && config.controller() : leadership.leading();
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
    if (leadership != null) {
      leadership.close(); // leaves the group: another candidate takes over at once
    }
    api.close();
    console.close();
    ops.close();
    if (auditTrail != null) {
      auditTrail.close();
    }
    if (commands != null) {
      commands.close();
    }
    stateLog.close();
  }
}
