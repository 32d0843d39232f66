package dev.distill.client.agent;

import dev.distill.client.agent.ModelRuntime.LoadedModel;
import dev.distill.client.agent.UpdateRejectedException.Reason;
import dev.distill.client.http.EventStream;
import dev.distill.client.http.PublisherClient;
import dev.distill.client.http.PublisherException;
import dev.distill.contract.ota.Manifest;
import dev.distill.contract.ota.ManifestVerifier;
import dev.distill.contract.ota.SignedDocument;
import dev.distill.contract.ota.OtaApi.Assignment;
import dev.distill.contract.ota.OtaApi.Report;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One device: it learns its assignment from the event stream (or by polling when the stream
 * is down), applies it, and runs the active model. Work runs on executors it is given, so a
 * simulator can host thousands of agents on a few threads; one agent applies one assignment
 * at a time, and the newest pending assignment wins.
 */
public final class DeviceAgent implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DeviceAgent.class);
  static final int POLL_FACTOR_WHILE_PUSHED = 5;
  /** After a transient failure (network, disk) the same assignment is tried again this much later. */
  private static final Duration RETRY_AFTER = Duration.ofSeconds(10);

  /**
   * @param maxArtifactBytes a manifest naming a larger artifact is refused before downloading
   * @param pollInterval polling period while no event stream is open (the publisher may suggest another)
   */
  public record Settings(String deviceId, String token, String model, ManifestVerifier verifier, Path dir,
      long maxArtifactBytes, Duration pollInterval, boolean push) {}

  /** What became of an assignment. */
  public enum Result { INSTALLED, UNCHANGED, REJECTED }

  /** @param reason null unless rejected */
  public record Outcome(long version, String sha256, Result result, Reason reason, String detail) {}

  private record Active(Slots.Slot slot, LoadedModel model) {}

  private final Settings settings;
  private final PublisherClient client;
  private final ArtifactFetcher fetcher;
  private final ModelRuntime runtime;
  private final ScheduledExecutorService scheduler;
  private final Executor worker;
  private final Clock clock;
  private final Slots slots;
  private final TrustState trust;
  private final ManifestCheck check;
  private final ReentrantReadWriteLock modelLock = new ReentrantReadWriteLock();
  private final AtomicReference<Assignment> pending = new AtomicReference<>();
  private final AtomicBoolean busy = new AtomicBoolean();
  private final Set<String> failedArtifacts = ConcurrentHashMap.newKeySet();
  private volatile Active active;
  private volatile Consumer<Outcome> outcomes = o -> {};
  private volatile Consumer<Assignment> notifications = a -> {};
  private volatile EventStream events;
  private volatile ScheduledFuture<?> poller;
  private volatile boolean closed;
  private int pollsWhilePushed;
  private volatile Assignment latest;

  public DeviceAgent(Settings settings, PublisherClient client, ModelRuntime runtime, ScheduledExecutorService scheduler,
      Executor worker, Clock clock) throws IOException {
    this.settings = settings;
    this.client = client;
    this.runtime = runtime;
    this.scheduler = scheduler;
    this.worker = worker;
    this.clock = clock;
    this.slots = new Slots(settings.dir().resolve("slots"));
    this.trust = new TrustState(settings.dir());
    this.check = new ManifestCheck(settings.deviceId(), settings.verifier(), trust, client, clock);
    this.fetcher = new ArtifactFetcher(client, settings.deviceId(), settings.token(), settings.dir());
    // a device whose slots predate its trust file has accepted the version it runs
    Optional<Slots.Slot> installed = slots.active();
    if (installed.isPresent()) {
      trust.accept(installed.get().version(), 0);
    }
    Files.createDirectories(settings.dir().resolve("download"));
  }

  public String deviceId() {
    return settings.deviceId();
  }

  /** Hears every outcome (installed, unchanged, rejected with its reason). */
  public DeviceAgent onOutcome(Consumer<Outcome> listener) {
    this.outcomes = listener;
    return this;
  }

  /** Hears every assignment as it arrives, before it is applied. */
  public DeviceAgent onAssignment(Consumer<Assignment> listener) {
    this.notifications = listener;
    return this;
  }

  /** Loads the model of the active slot (after a reboot), then listens and polls. */
  public DeviceAgent start() {
    try {
      // a power cut leaves the old or the new slot active, never a half-written one; a slot whose
      // bytes changed on the disk since is not run either
      Optional<Slots.Slot> slot = slots.activeIntact();
      if (slot.isPresent()) {
        LoadedModel m = runtime.load(slot.get().file());
        String problem = HealthCheck.probe(m);
        if (problem == null) {
          swap(new Active(slot.get(), m));
        } else {
          m.close();
          slots.revert();
        }
      }
    } catch (Exception e) {
      log.warn("{}: the active slot does not load ({}); starting without a model", settings.deviceId(), e.toString());
    }
    if (settings.push()) {
      events = new EventStream(client, settings.deviceId(), settings.token(), null, scheduler, this::offer).open();
    }
    schedulePoll(0);
    return this;
  }

  private void schedulePoll(long delayMs) {
    if (closed) {
      return;
    }
    poller = scheduler.schedule(this::poll, delayMs, TimeUnit.MILLISECONDS);
  }

  /**
   * Polls every poll interval while no event stream is open, and every
   * {@value #POLL_FACTOR_WHILE_PUSHED}th interval while one is: a missed event is then caught up
   * with anyway. Runs on the scheduler, one call after the other for an agent.
   */
  private void poll() {
    long next = settings.pollInterval().toMillis();
    EventStream es = events;
    boolean pushed = es != null && es.connected();
    try {
      if (!pushed || ++pollsWhilePushed % POLL_FACTOR_WHILE_PUSHED == 0) {
        Assignment a = client.assignment(settings.deviceId(), settings.token());
        if (a.pollAfterSeconds() > 0 && !pushed) {
          next = Math.min(next, a.pollAfterSeconds() * 1000);
        }
        offer(a);
      }
    } catch (PublisherException e) {
      log.debug("{}: poll failed: {}", settings.deviceId(), e.getMessage());
    } finally {
      schedulePoll(next);
    }
  }

  /** Queues an assignment; the newest one wins if several arrive while one is being applied. */
  public void offer(Assignment a) {
    if (closed) {
      return;
    }
    notifications.accept(a);
    latest = a;
    pending.set(a);
    drain();
  }

  private void drain() {
    if (!busy.compareAndSet(false, true)) {
      return;
    }
    worker.execute(() -> {
      try {
        Assignment a;
        while ((a = pending.getAndSet(null)) != null && !closed) {
          Outcome o = applyAndReport(a);
          outcomes.accept(o);
        }
      } finally {
        busy.set(false);
        if (pending.get() != null) {
          drain();
        }
      }
    });
  }

  private Outcome applyAndReport(Assignment a) {
    try {
      Outcome o = apply(a);
      if (o.result() == Result.INSTALLED) {
        report(status("INSTALLED", "installed version " + o.version(), a.rolloutId()));
      }
      return o;
    } catch (UpdateRejectedException e) {
      log.info("{}: version {} rejected: {}", settings.deviceId(), a.version(), e.getMessage());
      report(status(e.reportStatus(), e.getMessage(), a.rolloutId()));
      if (e.reason() == Reason.DOWNLOAD_FAILED || e.reason() == Reason.INSTALL_FAILED) {
        // transient: try the same assignment again unless a newer one comes first
        scheduler.schedule(() -> {
          if (latest == a && !closed) {
            pending.compareAndSet(null, a);
            drain();
          }
        }, RETRY_AFTER.toMillis(), TimeUnit.MILLISECONDS);
      }
      return new Outcome(a.version(), a.sha256(), Result.REJECTED, e.reason(), e.getMessage());
    }
  }

  /**
   * Verifies, fetches, installs and health-checks an assignment; on any failure the active
   * model is left as it was.
   */
  public Outcome apply(Assignment a) throws UpdateRejectedException {
    if (a.version() == 0 || a.manifest() == null) {
      return new Outcome(0, null, Result.UNCHANGED, null, "nothing assigned");
    }
    Manifest m = check.verify(a.manifest(), settings.model());
    // only signed values are used from here on: the unsigned JSON fields are hints at most
    Active current = active;
    if (current != null && current.slot().sha256().equals(m.sha256())) {
      acceptTime(m);
      return new Outcome(m.version(), m.sha256(), Result.UNCHANGED, null, "already running");
    }
    trust.check(m, current == null ? 0 : current.slot().version());
    if (failedArtifacts.contains(m.sha256())) {
      return new Outcome(m.version(), m.sha256(), Result.UNCHANGED, null, "failed its health check before");
    }
    if (m.length() > settings.maxArtifactBytes()) {
      throw new UpdateRejectedException(Reason.LENGTH_EXCEEDED, "artifact of " + m.length() + " bytes; this device takes at most "
          + settings.maxArtifactBytes());
    }
    byte[] bytes = fetcher.fetch(m, current == null ? null : current.slot());
    Slots.Slot slot;
    try {
      slot = slots.install(bytes, m.version(), m.sha256(), m.rolloutId());
    } catch (IOException e) {
      throw new UpdateRejectedException(Reason.INSTALL_FAILED, e.toString());
    }
    LoadedModel loaded = null;
    String problem;
    try {
      loaded = runtime.load(slot.file());
      problem = HealthCheck.probe(loaded);
    } catch (Exception e) {
      problem = "does not load: " + e.getMessage();
    }
    if (problem != null) {
      if (loaded != null) {
        loaded.close();
      }
      failedArtifacts.add(m.sha256());
      try {
        slots.revert();
      } catch (IOException e) {
        log.error("{}: cannot revert the slot state: {}", settings.deviceId(), e.toString());
      }
      throw new UpdateRejectedException(Reason.HEALTH_CHECK_FAILED, "version " + m.version() + " " + problem
          + "; reverted to " + (current == null ? "no model" : "version " + current.slot().version()));
    }
    swap(new Active(slot, loaded));
    try {
      trust.accept(m.version(), m.issuedAtMs());
    } catch (IOException e) {
      // installed and running; the floor stays lower until the next accepted manifest writes it
      log.warn("{}: cannot record version {} as accepted: {}", settings.deviceId(), m.version(), e.toString());
    }
    fetcher.clean(m.sha256());
    return new Outcome(m.version(), m.sha256(), Result.INSTALLED, null, "installed");
  }

  /** A manifest for the running artifact still moves the time floor forward. */
  private void acceptTime(Manifest m) {
    try {
      trust.accept(0, m.issuedAtMs());
    } catch (IOException e) {
      log.debug("{}: cannot record the time floor: {}", settings.deviceId(), e.toString());
    }
  }

  private void swap(Active next) {
    modelLock.writeLock().lock();
    try {
      Active old = active;
      active = next;
      if (old != null) {
        old.model().close();
      }
    } finally {
      modelLock.writeLock().unlock();
    }
  }

  /**
   * Adopts a revocation list (as {@code /v1/keys} serves it) if the pinned root signed it and it
   * is newer than the one this device holds; from then on manifests signed by a revoked key are
   * refused, also after a restart.
   */
  public boolean adoptRevocations(SignedDocument list) {
    return check.adopt(list);
  }

  /** The sequence of the newest revocation list adopted (0 = none). */
  public long revocationSequence() {
    return trust.revocationSequence();
  }

  /** The installed version (0 = none). */
  public long activeVersion() {
    Active a = active;
    return a == null ? 0 : a.slot().version();
  }

  /** The highest version this device has accepted (persisted; 0 = none). */
  public long highestAcceptedVersion() {
    return Math.max(activeVersion(), trust.highestVersion());
  }

  public Optional<Slots.Slot> activeSlot() {
    Active a = active;
    return a == null ? Optional.empty() : Optional.of(a.slot());
  }

  /** Runs the active model; null when there is none. */
  public float[][] infer(float[] features, int n) throws Exception {
    modelLock.readLock().lock();
    try {
      Active a = active;
      return a == null ? null : a.model().logits(features, n);
    } finally {
      modelLock.readLock().unlock();
    }
  }

  public int inputSize() {
    Active a = active;
    return a == null ? 0 : a.model().inputSize();
  }

  private Report status(String status, String detail, String rolloutId) {
    return new Report(settings.model(), activeVersion(), status, detail, 0, 0, 0, 0, null, 0, rolloutId, null);
  }

  /** Sends a report; failures are logged, not thrown: a report is advice, not a transaction. */
  public void report(Report report) {
    try {
      client.report(settings.deviceId(), settings.token(), report);
    } catch (PublisherException e) {
      log.debug("{}: report not delivered: {}", settings.deviceId(), e.getMessage());
    }
  }

  static String sha256(byte[] bytes) {
    try {
      return Manifest.hex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    closed = true;
    EventStream es = events;
    if (es != null) {
      es.close();
    }
    ScheduledFuture<?> p = poller;
    if (p != null) {
      p.cancel(false);
    }
    swap(null);
  }
}
