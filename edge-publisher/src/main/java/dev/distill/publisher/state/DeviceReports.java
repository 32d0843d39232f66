package dev.distill.publisher.state;

import dev.distill.contract.proto.DeviceReport;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What devices have reported: each device's latest report, and its latest per installed version
 * for the last few versions, with and without an accuracy measurement. Not thread-safe: the
 * {@link FleetView} that owns it guards it with its own lock.
 */
final class DeviceReports {
  /** Reports kept per device and version: enough to compare the current and the last good. */
  private static final int VERSIONS_KEPT_PER_DEVICE = 4;

  private final Map<String, DeviceReport> latest = new HashMap<>();
  private final Map<String, LinkedHashMap<Long, DeviceReport>> byVersion = new HashMap<>();
  private final Map<String, LinkedHashMap<Long, DeviceReport>> measuredByVersion = new HashMap<>();

  void add(DeviceReport report) {
    latest.put(report.getDeviceId(), report);
    keep(byVersion, report);
    if (report.hasAccuracy() && report.getLabelledCount() > 0) {
      // a device re-measures a version after reinstalling it: until it has, its earlier
      // measurement stands (it is what the gates compare with)
      keep(measuredByVersion, report);
    }
  }

  private static void keep(Map<String, LinkedHashMap<Long, DeviceReport>> byDevice, DeviceReport report) {
    var perVersion = byDevice.computeIfAbsent(report.getDeviceId(), d -> new LinkedHashMap<>());
    perVersion.remove(report.getInstalledVersion()); // re-insert: most recent last
    perVersion.put(report.getInstalledVersion(), report);
    while (perVersion.size() > VERSIONS_KEPT_PER_DEVICE) {
      perVersion.remove(perVersion.keySet().iterator().next());
    }
  }

  /** @return null before the device reports */
  DeviceReport latest(String deviceId) {
    return latest.get(deviceId);
  }

  /** The version the device's latest report says is installed; 0 before it reports. */
  long installed(String deviceId) {
    DeviceReport r = latest.get(deviceId);
    return r == null ? 0L : r.getInstalledVersion();
  }

  /** The latest report made while the device ran {@code version}; null when none is kept. */
  DeviceReport onVersion(String deviceId, long version) {
    var perVersion = byVersion.get(deviceId);
    return perVersion == null ? null : perVersion.get(version);
  }

  /** The latest report with an accuracy measurement made while it ran {@code version}; null when none. */
  DeviceReport measured(String deviceId, long version) {
    var perVersion = measuredByVersion.get(deviceId);
    return perVersion == null ? null : perVersion.get(version);
  }

  /** The kept reports of a device, oldest first. */
  List<DeviceReport> all(String deviceId) {
    var perVersion = byVersion.get(deviceId);
    return perVersion == null ? List.of() : new ArrayList<>(perVersion.values());
  }
}
