package dev.distill.client.sim;

import dev.distill.client.agent.DeviceAgent;
import dev.distill.client.agent.ModelRuntime;
import dev.distill.client.agent.OrtRuntime;
import dev.distill.client.http.AdminClient;
import dev.distill.client.http.PublisherClient;
import dev.distill.client.http.PublisherException;
import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.ota.Ed25519Keys;
import dev.distill.contract.ota.ManifestVerifier;
import dev.distill.contract.ota.OtaApi;
import dev.distill.contract.ota.RootOfTrust;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * A simulated fleet in this JVM: registers N devices with the publisher (admin API), starts
 * one agent each, runs inference on each device's slice of the data and reports. Threads are
 * shared: one HTTP client, a scheduler of two threads, a worker pool of two.
 *
 * <pre>{@code
 * try (Fleet fleet = Fleet.builder(publisherUri, adminUri, adminToken, "mnist-student").count(50)
 *     .data(Datasets.load(Dataset.MNIST, Split.TEST)).dir(workDir).build().start()) {
 *   fleet.snapshot().devicesPerVersion();   // {0=3, 7=47}
 * }
 * }</pre>
 */
public final class Fleet implements AutoCloseable {
  /**
   * What the fleet runs now.
   *
   * @param devicesPerVersion installed version (0 = none) to number of devices
   * @param accuracyPerVersion mean on-device accuracy of the devices on each version (devices whose
   *     evaluation window is complete)
   * @param measuredPerVersion per version, the devices on it whose evaluation window is complete
   *     (those that {@code accuracyPerVersion} averages)
   * @param notifiedMs per version, ms from publication to each device's first notification of it
   * @param downloadedBytes artifact and delta bytes the fleet's devices downloaded, in all
   */
  public record Snapshot(int devices, Map<Long, Integer> devicesPerVersion, Map<Long, Double> accuracyPerVersion,
      Map<Long, Integer> measuredPerVersion, Map<Long, List<Long>> notifiedMs, long downloadedBytes) {
    public int devicesOn(long version) {
      return devicesPerVersion.getOrDefault(version, 0);
    }

    /** The devices on {@code version} that have measured it on their whole evaluation window. */
    public int measuredOn(long version) {
      return measuredPerVersion.getOrDefault(version, 0);
    }
  }

  public static final class Builder {
    private final URI publisher;
    private final URI admin;
    private final String adminToken;
    private final String model;
    private int count = 10;
    private String idPrefix = "sim-";
    private LabelledImages data;
    private Path dir;
    private PublicKey pinnedRoot;
    private Duration inferenceInterval = Duration.ofMillis(250);
    private Duration reportInterval = Duration.ofSeconds(5);
    private Duration pollInterval = Duration.ofSeconds(30);
    private int batch = 16;
    private int evaluationWindow = 500;
    private boolean push = true;
    private ModelRuntime runtime;

    private Builder(URI publisher, URI admin, String adminToken, String model) {
      this.publisher = publisher;
      this.admin = admin;
      this.adminToken = adminToken;
      this.model = model;
    }

    public Builder count(int n) {
      this.count = n;
      return this;
    }

    public Builder idPrefix(String prefix) {
      this.idPrefix = prefix;
      return this;
    }

    /** Labelled images; device i classifies the i-th of {@code count} equal slices. */
    public Builder data(LabelledImages images) {
      this.data = images;
      return this;
    }

    /** Where devices keep their slots (one folder per device). */
    public Builder dir(Path d) {
      this.dir = d;
      return this;
    }

    /**
     * The root key devices pin (they trust the publisher's keys it certifies); without it the
     * root served at /v1/keys is trusted on first use.
     */
    public Builder pinnedRoot(PublicKey key) {
      this.pinnedRoot = key;
      return this;
    }

    public Builder inferenceInterval(Duration d) {
      this.inferenceInterval = d;
      return this;
    }

    public Builder reportInterval(Duration d) {
      this.reportInterval = d;
      return this;
    }

    public Builder pollInterval(Duration d) {
      this.pollInterval = d;
      return this;
    }

    public Builder batch(int b) {
      this.batch = b;
      return this;
    }

    /**
     * Labelled images per device on which each installed version's accuracy is measured (the same
     * images for every version).
     */
    public Builder evaluationWindow(int images) {
      this.evaluationWindow = images;
      return this;
    }

    /** False: devices only poll (no event stream). */
    public Builder push(boolean p) {
      this.push = p;
      return this;
    }

    public Builder runtime(ModelRuntime r) {
      this.runtime = r;
      return this;
    }

    public Fleet build() {
      Objects.requireNonNull(dir, "dir");
      Objects.requireNonNull(data, "data");
      return new Fleet(this);
    }
  }

  /**
   * @param publisher the device API devices call
   * @param admin the admin API (its own port) that registers them
   */
  public static Builder builder(URI publisher, URI admin, String adminToken, String model) {
    return new Builder(publisher, admin, adminToken, model);
  }

  private final Builder cfg;
  private final ScheduledExecutorService scheduler;
  private final ExecutorService worker;
  private final ExecutorService httpExecutor;
  private final PublisherClient client;
  private final AdminClient admin;
  private final List<SimulatedDevice> devices = new ArrayList<>();
  private final Map<Long, List<Long>> notified = new ConcurrentHashMap<>();

  private Fleet(Builder cfg) {
    this.cfg = cfg;
    this.scheduler = Executors.newScheduledThreadPool(2, daemon("fleet-scheduler"));
    this.worker = Executors.newFixedThreadPool(2, daemon("fleet-worker"));
    this.httpExecutor = Executors.newFixedThreadPool(2, daemon("fleet-http"));
    this.client = new PublisherClient(PublisherClient.newHttpClient(httpExecutor), cfg.publisher);
    this.admin = new AdminClient(client.http(), cfg.admin, cfg.adminToken);
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /** Registers (or re-keys) the devices and starts them. */
  public Fleet start() throws PublisherException, IOException {
    PublicKey root = cfg.pinnedRoot;
    if (root == null) {
      root = Ed25519Keys.publicKey(Base64.getDecoder().decode(client.keys().root().publicKey()));
    }
    ManifestVerifier verifier = new ManifestVerifier(new RootOfTrust(root));
    ModelRuntime runtime = cfg.runtime != null ? cfg.runtime : new OrtRuntime(1);
    int slice = cfg.data.count() / Math.max(1, cfg.count);
    for (int i = 0; i < cfg.count; i++) {
      String id = cfg.idPrefix + i;
      OtaApi.DeviceCredentials cred = admin.registerOrRotate(id, cfg.model);
      DeviceAgent agent = new DeviceAgent(new DeviceAgent.Settings(id, cred.token(), cfg.model, verifier,
          cfg.dir.resolve(id), 256L << 20, cfg.pollInterval, cfg.push), client, runtime, scheduler, worker,
          Clock.systemUTC());
      SimulatedDevice d = new SimulatedDevice(agent, cfg.model, cfg.data, i * slice, slice, cfg.batch, cfg.evaluationWindow);
      devices.add(d);
    }
    for (SimulatedDevice d : devices) {
      Map<Long, Boolean> seen = new ConcurrentHashMap<>();
      d.agent().onAssignment(a -> {
        if (a.version() > 0 && a.publishedAtMs() > 0 && seen.putIfAbsent(a.version(), true) == null) {
          notified.computeIfAbsent(a.version(), v -> new java.util.concurrent.CopyOnWriteArrayList<>())
              .add(System.currentTimeMillis() - a.publishedAtMs());
        }
      });
      d.agent().start();
      scheduler.scheduleWithFixedDelay(() -> worker.execute(d::infer), cfg.inferenceInterval.toMillis(),
          cfg.inferenceInterval.toMillis(), TimeUnit.MILLISECONDS);
      scheduler.scheduleWithFixedDelay(() -> worker.execute(() -> d.agent().report(d.report())),
          cfg.reportInterval.toMillis(), cfg.reportInterval.toMillis(), TimeUnit.MILLISECONDS);
    }
    return this;
  }

  public List<DeviceAgent> agents() {
    List<DeviceAgent> out = new ArrayList<>();
    devices.forEach(d -> out.add(d.agent()));
    return out;
  }

  public Snapshot snapshot() {
    Map<Long, Integer> perVersion = new TreeMap<>();
    Map<Long, double[]> acc = new TreeMap<>();
    for (SimulatedDevice d : devices) {
      long v = d.agent().activeVersion();
      perVersion.merge(v, 1, Integer::sum);
      double a = d.accuracy();
      if (!Double.isNaN(a)) {
        double[] s = acc.computeIfAbsent(v, k -> new double[2]);
        s[0] += a;
        s[1]++;
      }
    }
    Map<Long, Double> accuracy = new TreeMap<>();
    Map<Long, Integer> measured = new TreeMap<>();
    acc.forEach((v, s) -> {
      accuracy.put(v, s[0] / s[1]);
      measured.put(v, (int) s[1]);
    });
    Map<Long, List<Long>> lat = new TreeMap<>();
    notified.forEach((v, l) -> lat.put(v, List.copyOf(l)));
    return new Snapshot(devices.size(), perVersion, accuracy, measured, lat, client.downloadedBytes());
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    for (SimulatedDevice d : devices) {
      d.agent().close();
    }
    worker.shutdownNow();
    httpExecutor.shutdownNow();
  }
}
