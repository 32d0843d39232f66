package dev.distill.publisher.http;

import dev.distill.contract.proto.DeviceReport;
import dev.distill.contract.proto.Rollout;
import dev.distill.publisher.state.FleetView;
import dev.distill.publisher.state.VersionIngest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The publisher's meters, under {@code distill.publisher.}. Tags are bounded: the download
 * kind, the model name (a handful per deployment), a rollout state, and a version role
 * (target, last_good, other) rather than the ever-growing version number; never a device id.
 */
public final class PublisherMetrics {
  private final MeterRegistry registry;
  private final Counter pushed;
  private final Counter fullDownloads;
  private final Counter deltaDownloads;
  private final Counter fullBytes;
  private final Counter deltaBytes;
  private final Counter reports;
  private final Map<DeviceReport.Status, Counter> failedReports = new EnumMap<>(DeviceReport.Status.class);
  private final MultiGauge rolloutState;
  private final MultiGauge devicesPerVersion;
  private final MultiGauge rolloutWave;

  public PublisherMetrics(MeterRegistry registry) {
    this.registry = registry;
    pushed = Counter.builder("distill.publisher.assignments.pushed")
        .description("assignments sent to devices over server-sent events").register(registry);
    fullDownloads = download("full");
    deltaDownloads = download("delta");
    fullBytes = bytes("full");
    deltaBytes = bytes("delta");
    reports = Counter.builder("distill.publisher.reports").description("device reports accepted").register(registry);
    // registered up front, so the failure-rate alert sees zeros rather than no series before the first failure
    for (DeviceReport.Status s : List.of(DeviceReport.Status.DOWNLOAD_FAILED, DeviceReport.Status.VERIFY_FAILED,
        DeviceReport.Status.HEALTH_CHECK_FAILED, DeviceReport.Status.ROLLED_BACK)) {
      failedReports.put(s, Counter.builder("distill.publisher.reports.failed")
          .tag("status", s.name().toLowerCase(Locale.ROOT))
          .description("device reports of a failed download, verification or health check, or of a rollback")
          .register(registry));
    }
    rolloutState = MultiGauge.builder("distill.publisher.rollout.state")
        .description("1 for the current state of each model's rollout").register(registry);
    rolloutWave = MultiGauge.builder("distill.publisher.rollout.wave")
        .description("current wave of each model's rollout (1-based)").register(registry);
    devicesPerVersion = MultiGauge.builder("distill.publisher.devices.installed")
        .description("registered devices by what they report to run").register(registry);
  }

  private Counter download(String kind) {
    return Counter.builder("distill.publisher.downloads").tag("kind", kind)
        .description("artifact downloads served (a resumed range counts once per request)").register(registry);
  }

  private Counter bytes(String kind) {
    return Counter.builder("distill.publisher.download.bytes").tag("kind", kind).baseUnit("bytes")
        .description("artifact bytes served").register(registry);
  }

  public void connectedDevices(Supplier<Number> connected) {
    Gauge.builder("distill.publisher.devices.connected", connected)
        .description("devices with an open event stream on this replica").register(registry);
  }

  public void registeredDevices(Supplier<Number> registered) {
    Gauge.builder("distill.publisher.devices.registered", registered)
        .description("devices in the registry").register(registry);
  }

  public void deltas(Supplier<Number> cacheBytes, Supplier<Number> computing) {
    Gauge.builder("distill.publisher.delta.cache.bytes", cacheBytes).baseUnit("bytes")
        .description("deltas cached on disk").register(registry);
    Gauge.builder("distill.publisher.deltas.computing", computing)
        .description("deltas being computed now").register(registry);
  }

  /** Versions in the archive and versions pruned from it (meters hold both weakly: the service holds them). */
  public void archive(FleetView view, VersionIngest ingest) {
    Gauge.builder("distill.publisher.archive.versions", view,
            v -> v.models().stream().mapToInt(m -> v.versions(m).size()).sum())
        .description("model versions in the archive, servable from this replica's store").register(registry);
    FunctionCounter.builder("distill.publisher.archive.pruned", ingest, VersionIngest::forgotten)
        .description("model versions pruned from the archive (their artifacts deleted) since this replica started")
        .register(registry);
  }

  public void pushed() {
    pushed.increment();
  }

  public void served(boolean delta, long bytes) {
    (delta ? deltaDownloads : fullDownloads).increment();
    (delta ? deltaBytes : fullBytes).increment(bytes);
  }

  public void report(DeviceReport.Status status) {
    reports.increment();
    Counter failed = failedReports.get(status);
    if (failed != null) {
      failed.increment();
    }
  }

  /** Refreshes the gauges computed from the fleet view (called on each controller tick). */
  public void refresh(FleetView view) {
    List<MultiGauge.Row<?>> states = new ArrayList<>();
    List<MultiGauge.Row<?>> waves = new ArrayList<>();
    List<MultiGauge.Row<?>> installed = new ArrayList<>();
    for (String model : view.models()) {
      Rollout r = view.rollout(model).orElse(null);
      if (r != null) {
        for (Rollout.State s : Rollout.State.values()) {
          if (s != Rollout.State.STATE_UNSPECIFIED && s != Rollout.State.UNRECOGNIZED) {
            states.add(MultiGauge.Row.of(Tags.of("model", model, "state", s.name().toLowerCase()), s == r.getState() ? 1 : 0));
          }
        }
        waves.add(MultiGauge.Row.of(Tags.of("model", model), r.getCurrentWave() + 1));
      }
      long[] counts = new long[4]; // target, last_good, none, other
      for (Map.Entry<Long, Integer> e : view.devicesPerVersion(model).entrySet()) {
        int role = r != null && e.getKey() == r.getTargetVersion() ? 0
            : r != null && e.getKey() == r.getLastGoodVersion() ? 1 : e.getKey() == 0 ? 2 : 3;
        counts[role] += e.getValue();
      }
      String[] roles = {"target", "last_good", "none", "other"};
      for (int i = 0; i < roles.length; i++) {
        installed.add(MultiGauge.Row.of(Tags.of("model", model, "version", roles[i]), counts[i]));
      }
    }
    rolloutState.register(states, true);
    rolloutWave.register(waves, true);
    devicesPerVersion.register(installed, true);
  }
}
