package dev.distill.publisher.state;

import dev.distill.contract.proto.DeviceRecord;
import dev.distill.contract.proto.DeviceReport;
import dev.distill.contract.proto.ModelVersion;
import dev.distill.contract.proto.Rollout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The in-memory state every replica rebuilds from the topics. Synchronized as a whole: the
 * operations are map look-ups, and one lock keeps a device, its rollout and its reports
 * consistent with each other. Listeners hear which model changed and must not block.
 */
public final class FleetView {
  /** A device and where it sits in the wave order. */
  public record Device(DeviceRecord record, double bucket) {
    public String id() {
      return record.getDeviceId();
    }

    public String model() {
      return record.getModelName();
    }
  }

  private final Map<String, NavigableMap<Long, VersionInfo>> versions = new HashMap<>();
  private final Map<String, Device> devices = new HashMap<>();
  private final Map<String, String> deviceByTokenHash = new HashMap<>();
  private final Map<String, TreeSet<Device>> fleetByModel = new HashMap<>();
  private final Map<String, Rollout> rollouts = new HashMap<>();
  private final DeviceReports reports = new DeviceReports();
  /**
   * Registered devices of each model by the version their latest report says is installed (0 =
   * none yet), kept as devices and reports arrive: read every tick, a count over the fleet would
   * cost a pass over tens of thousands of devices under the lock.
   */
  private final Map<String, Map<Long, Integer>> installedByModel = new HashMap<>();
  /** Changes to devices and reports so far: what a wave's figures are computed from. */
  private long fleetChanges;
  private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<String>> versionListeners = new CopyOnWriteArrayList<>();

  private static final Comparator<Device> WAVE_ORDER =
      Comparator.comparingDouble(Device::bucket).thenComparing(Device::id);

  /** Called with the model name after every change that may alter its devices' assignments. */
  public void onChange(Consumer<String> listener) {
    listeners.add(listener);
  }

  /** Called with the model name when a version is added (the controller starts rollouts on it). */
  public void onVersion(Consumer<String> listener) {
    versionListeners.add(listener);
  }

  private void changed(String model) {
    for (Consumer<String> l : listeners) {
      l.accept(model);
    }
  }

  /**
   * Where a device falls in [0, 1): waves take devices in this order, so the first 1% of
   * devices (the canaries) are the same for every rollout and on every replica.
   */
  public static double bucket(String deviceId) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(("distill-wave:" + deviceId).getBytes(StandardCharsets.UTF_8));
      long top = ByteBuffer.wrap(h).getLong() >>> 11; // 53 bits: exact in a double
      return top / (double) (1L << 53);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- versions

  public synchronized boolean hasVersion(String model, long version) {
    return versions.getOrDefault(model, new TreeMap<>()).containsKey(version);
  }

  /** Adds a version whose artifact is in the store. */
  public void applyVersion(ModelVersion metadata, String sha256, long length, long seenAtMs) {
    boolean referenced;
    synchronized (this) {
      var byVersion = versions.computeIfAbsent(metadata.getModelName(), m -> new TreeMap<>());
      VersionInfo old = byVersion.get(metadata.getVersion());
      long seen = old == null ? seenAtMs : Math.min(old.seenAtMs(), seenAtMs);
      byVersion.put(metadata.getVersion(), new VersionInfo(metadata, sha256, length, seen));
      // assignments name versions through rollouts: a version no rollout names changes none
      referenced = named(rollouts.get(metadata.getModelName()), metadata.getVersion());
    }
    if (referenced) {
      changed(metadata.getModelName());
    }
    for (Consumer<String> l : versionListeners) {
      l.accept(metadata.getModelName());
    }
  }

  /**
   * Forgets a version the archive no longer holds (the controller pruned it).
   *
   * @return what was forgotten, empty when the version was not here
   */
  public Optional<VersionInfo> forgetVersion(String model, long version) {
    VersionInfo gone;
    boolean referenced;
    synchronized (this) {
      var byVersion = versions.get(model);
      gone = byVersion == null ? null : byVersion.remove(version);
      if (byVersion != null && byVersion.isEmpty()) {
        versions.remove(model);
      }
      referenced = gone != null && named(rollouts.get(model), version);
    }
    if (referenced) {
      changed(model);
    }
    return Optional.ofNullable(gone);
  }

  /** Whether the rollout names the version as its target, last good or pinned one. */
  private static boolean named(Rollout r, long v) {
    return r != null && (r.getTargetVersion() == v || r.getLastGoodVersion() == v || r.getPinnedVersion() == v);
  }

  /**
   * The versions of a model that must stay servable whatever their age: installed on a registered
   * device (by its latest report), and the rollout's target, pinned and last good versions.
   */
  public synchronized Set<Long> versionsInUse(String model) {
    Set<Long> inUse = new TreeSet<>(devicesPerVersion(model).keySet());
    Rollout r = rollouts.get(model);
    if (r != null) {
      inUse.addAll(List.of(r.getTargetVersion(), r.getPinnedVersion(), r.getLastGoodVersion()));
    }
    inUse.remove(0L);
    return inUse;
  }

  public synchronized Optional<VersionInfo> version(String model, long version) {
    return Optional.ofNullable(versions.getOrDefault(model, new TreeMap<>()).get(version));
  }

  /** The model's newest version numbered {@code version} or less. */
  public synchronized Optional<VersionInfo> versionAtOrBelow(String model, long version) {
    var byVersion = versions.get(model);
    return byVersion == null ? Optional.empty() : Optional.ofNullable(byVersion.floorEntry(version)).map(Map.Entry::getValue);
  }

  public synchronized Optional<VersionInfo> latestVersion(String model) {
    var byVersion = versions.get(model);
    return byVersion == null || byVersion.isEmpty() ? Optional.empty() : Optional.of(byVersion.lastEntry().getValue());
  }

  public synchronized List<VersionInfo> versions(String model) {
    return new ArrayList<>(versions.getOrDefault(model, new TreeMap<>()).values());
  }

  public synchronized Set<String> models() {
    Set<String> all = new TreeSet<>(versions.keySet());
    all.addAll(rollouts.keySet());
    return all;
  }

  public synchronized Optional<VersionInfo> versionBySha(String sha256) {
    for (var byVersion : versions.values()) {
      for (VersionInfo v : byVersion.values()) {
        if (v.sha256().equals(sha256)) {
          return Optional.of(v);
        }
      }
    }
    return Optional.empty();
  }

  // ---- devices

  /** @param record null deregisters (a tombstone) */
  public void applyDevice(String deviceId, DeviceRecord record) {
    String model;
    synchronized (this) {
      fleetChanges++;
      Device old = devices.remove(deviceId);
      if (old != null) {
        deviceByTokenHash.remove(old.record().getTokenSha256());
        fleetByModel.getOrDefault(old.model(), new TreeSet<>(WAVE_ORDER)).remove(old);
        countInstalled(old.model(), reports.installed(deviceId), -1);
      }
      if (record == null) {
        model = old == null ? null : old.model();
      } else {
        Device d = new Device(record, bucket(deviceId));
        devices.put(deviceId, d);
        deviceByTokenHash.put(record.getTokenSha256(), deviceId);
        fleetByModel.computeIfAbsent(record.getModelName(), m -> new TreeSet<>(WAVE_ORDER)).add(d);
        countInstalled(record.getModelName(), reports.installed(deviceId), 1);
        model = record.getModelName();
      }
    }
    if (model != null) {
      changed(model);
    }
  }

  public synchronized Optional<Device> device(String deviceId) {
    return Optional.ofNullable(devices.get(deviceId));
  }

  public synchronized Optional<String> deviceByTokenHash(String tokenSha256) {
    return Optional.ofNullable(deviceByTokenHash.get(tokenSha256));
  }

  /** The devices of a model in wave order. */
  public synchronized List<Device> fleet(String model) {
    return new ArrayList<>(fleetByModel.getOrDefault(model, new TreeSet<>(WAVE_ORDER)));
  }

  /** Every registered device, ordered by id. */
  public synchronized List<Device> devices() {
    List<Device> all = new ArrayList<>(devices.values());
    all.sort(Comparator.comparing(Device::id));
    return all;
  }

  /**
   * How many device registrations, deregistrations and reports the view has taken: figures
   * computed from the fleet at one count hold until it moves.
   */
  public synchronized long fleetChanges() {
    return fleetChanges;
  }

  public synchronized int deviceCount() {
    return devices.size();
  }

  /**
   * Whether a device is in a wave that covers {@code fraction} of the fleet: its bucket is
   * below the fraction, or it is one of the first {@code minDevices} in wave order (so that a
   * 1% wave of a small fleet is not empty).
   */
  public synchronized boolean inWave(String deviceId, double fraction, int minDevices) {
    Device d = devices.get(deviceId);
    if (d == null) {
      return false;
    }
    if (d.bucket() < fraction || fraction >= 1.0) {
      return true;
    }
    var fleet = fleetByModel.get(d.model());
    int rank = 0;
    for (Device first : fleet) {
      if (rank++ >= minDevices) {
        break;
      }
      if (first.id().equals(deviceId)) {
        return true;
      }
    }
    return false;
  }

  /**
   * A device as a wave's gate sees it.
   *
   * @param inWave whether it is in the wave, as {@link #inWave} says
   * @param latest its latest report; null before it reports
   * @param baseline its latest measured report on the baseline version; null when none
   */
  public record WaveDevice(Device device, boolean inWave, DeviceReport latest, DeviceReport baseline) { }

  /**
   * The devices of a model in wave order, each with what a wave's gate reads about it: one pass
   * under one lock, where a look-up per device would take the lock three times for each of tens
   * of thousands of devices while pushes wait for it.
   *
   * @param fraction the wave's share of the fleet, as for {@link #inWave}
   * @param baselineVersion the version whose measured reports are wanted; 0 for none
   */
  public synchronized List<WaveDevice> wave(String model, double fraction, int minDevices, long baselineVersion) {
    var fleet = fleetByModel.getOrDefault(model, new TreeSet<>(WAVE_ORDER));
    List<WaveDevice> out = new ArrayList<>(fleet.size());
    int rank = 0;
    for (Device d : fleet) {
      boolean in = fraction >= 1.0 || d.bucket() < fraction || rank < minDevices;
      rank++;
      out.add(new WaveDevice(d, in, reports.latest(d.id()),
          baselineVersion == 0 ? null : reports.measured(d.id(), baselineVersion)));
    }
    return out;
  }

  // ---- rollouts

  /**
   * Applies a model's rollout state when it supersedes the one held: states are ordered by the
   * revision the one controller gives them, never by wall-clock time (replicas' clocks differ).
   * A state read back after the controller applied it locally, or a deposed controller's stale
   * state, is ignored, so assignments do not flap.
   *
   * @param rollout null removes the model's rollout (a tombstone)
   * @return whether the view changed
   */
  public boolean applyRollout(String model, Rollout rollout) {
    synchronized (this) {
      if (!supersedes(rollout, rollouts.get(model))) {
        return false;
      }
      if (rollout == null) {
        rollouts.remove(model);
      } else {
        rollouts.put(model, rollout);
      }
    }
    changed(model);
    return true;
  }

  /**
   * Whether {@code next} replaces {@code current}: a higher revision does; states of revision 0
   * predate revisions and follow one another in log order; a revision-0 state never replaces a
   * revised one (it comes from a replica that predates the single writer).
   */
  static boolean supersedes(Rollout next, Rollout current) {
    if (next == null || current == null) {
      return true;
    }
    return next.getRevision() > current.getRevision() || next.getRevision() == 0 && current.getRevision() == 0;
  }

  public synchronized Optional<Rollout> rollout(String model) {
    return Optional.ofNullable(rollouts.get(model));
  }

  // ---- reports

  public synchronized void applyReport(DeviceReport report) {
    fleetChanges++;
    Device d = devices.get(report.getDeviceId());
    if (d != null) {
      countInstalled(d.model(), reports.installed(report.getDeviceId()), -1);
      countInstalled(d.model(), report.getInstalledVersion(), 1);
    }
    reports.add(report);
  }

  /** The device's latest report with an accuracy measurement made while it ran {@code version}. */
  public synchronized Optional<DeviceReport> measuredReport(String deviceId, long version) {
    return Optional.ofNullable(reports.measured(deviceId, version));
  }

  public synchronized Optional<DeviceReport> latestReport(String deviceId) {
    return Optional.ofNullable(reports.latest(deviceId));
  }

  /** The device's latest report made while it ran {@code version}. */
  public synchronized Optional<DeviceReport> report(String deviceId, long version) {
    return Optional.ofNullable(reports.onVersion(deviceId, version));
  }

  public synchronized List<DeviceReport> reports(String deviceId) {
    return reports.all(deviceId);
  }

  /** How many devices of a model report each installed version (0 = none yet). */
  public synchronized Map<Long, Integer> devicesPerVersion(String model) {
    return new TreeMap<>(installedByModel.getOrDefault(model, Map.of()));
  }

  private void countInstalled(String model, long version, int delta) {
    Map<Long, Integer> counts = installedByModel.computeIfAbsent(model, m -> new HashMap<>());
    if (counts.merge(version, delta, Integer::sum) == 0) {
      counts.remove(version);
    }
    if (counts.isEmpty()) {
      installedByModel.remove(model);
    }
  }
}
