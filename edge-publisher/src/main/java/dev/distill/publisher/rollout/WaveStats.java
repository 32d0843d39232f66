package dev.distill.publisher.rollout;

import dev.distill.contract.proto.DeviceReport;
import dev.distill.contract.proto.Rollout;
import dev.distill.publisher.state.FleetView;

/**
 * What the devices of the current wave say about the new version, and what the fleet says
 * about the last good one: the figures a wave's gate is judged on ({@link #measure}).
 *
 * @param devices wave devices whose reports the wave waits for: every device of the wave but the offline
 * @param offline wave devices that have not reported at all within {@link RolloutSettings#deviceTimeout()}
 *     of the wave's start and had not reported on the new version before it: they count neither
 *     as reported nor as needed
 * @param running devices that run the new version and report RUNNING with an acceptable error rate
 * @param failed devices that could not install or run it under this rollout
 * @param accuracy on-device accuracy of the new version, weighted by labelled samples (null: none reported)
 * @param baselineAccuracy the same for the last good version over the whole fleet
 */
public record WaveStats(
    int wave,
    double fraction,
    int devices,
    int offline,
    int running,
    int failed,
    Double accuracy,
    long labelled,
    Double baselineAccuracy,
    long baselineLabelled) {

  public int reported() {
    return running + failed;
  }

  /**
   * Two standard errors of the difference of two measured accuracies: a wave of a few devices
   * measures on a few hundred samples, whose accuracy varies by a few points by chance alone;
   * a bad version's drop is far larger.
   */
  double noise() {
    double p = baselineAccuracy;
    double q = accuracy;
    double var = q * (1 - q) / Math.max(1, labelled) + p * (1 - p) / Math.max(1, baselineLabelled);
    return 2 * Math.sqrt(var);
  }

  /**
   * The gate figures of a rollout's current wave, from the devices' latest reports in {@code view}.
   *
   * @param nowMs the controller's clock; reports carry the receiving replica's clock, which agrees
   *     to far better than a device timeout
   */
  static WaveStats measure(FleetView view, Rollout r, RolloutSettings settings, long nowMs) {
    int wave = Math.min(r.getCurrentWave(), Math.max(0, r.getWavesCount() - 1));
    double fraction = r.getWavesCount() == 0 ? 1.0 : r.getWaves(wave);
    int devices = 0;
    int offline = 0;
    boolean offlineCounts = offlineCounts(r, settings, nowMs);
    int running = 0;
    int failed = 0;
    double accSum = 0;
    long labelled = 0;
    double baseSum = 0;
    long baseLabelled = 0;
    // the baseline is paired: the same devices' own accuracy on the last good version, on the
    // same data slices; devices' slices differ in difficulty more than two nearby versions do
    double fleetBaseSum = 0;
    long fleetBaseLabelled = 0;
    for (FleetView.WaveDevice d : view.wave(r.getModelName(), fraction, settings.minDevicesPerWave(),
        r.getLastGoodVersion())) {
      DeviceReport base = d.baseline();
      boolean hasBase = base != null && base.hasAccuracy() && base.getLabelledCount() > 0;
      if (hasBase) {
        fleetBaseSum += base.getAccuracy() * base.getLabelledCount();
        fleetBaseLabelled += base.getLabelledCount();
      }
      if (!d.inWave()) {
        continue;
      }
      DeviceReport rep = d.latest();
      // a device of an earlier wave has said what it makes of the new version: it is not awaited
      boolean answered = rep != null && (rep.getInstalledVersion() == r.getTargetVersion()
          || (rep.getRolloutId().equals(r.getRolloutId()) && failure(rep.getStatus())));
      if (offlineCounts && !answered && (rep == null || rep.getReportedAtMs() < r.getWaveStartedAtMs())) {
        offline++; // silent since the wave began, for longer than a device may be: switched off or gone
        continue;
      }
      devices++;
      if (rep == null) {
        continue;
      }
      boolean thisRollout = rep.getRolloutId().equals(r.getRolloutId());
      if (thisRollout && failure(rep.getStatus())) {
        failed++;
      } else if (rep.getInstalledVersion() == r.getTargetVersion() && rep.getStatus() == DeviceReport.Status.RUNNING) {
        if (hasBase && !(rep.hasAccuracy() && rep.getLabelledCount() > 0)) {
          continue; // it measured the last good version: it has not reported yet until it measures this one
        }
        if (rep.getInferenceCount() > 0
            && (double) rep.getErrorCount() / rep.getInferenceCount() > settings.maxFailureRate()) {
          failed++;
          continue;
        }
        running++;
        if (rep.hasAccuracy() && rep.getLabelledCount() > 0) {
          accSum += rep.getAccuracy() * rep.getLabelledCount();
          labelled += rep.getLabelledCount();
          if (hasBase) {
            // weighted by the new version's samples, so both means weigh devices alike
            baseSum += base.getAccuracy() * rep.getLabelledCount();
            baseLabelled += rep.getLabelledCount();
          }
        }
      }
    }
    if (baseLabelled == 0 && fleetBaseLabelled > 0) {
      baseSum = fleetBaseSum; // no wave device ran the last good version: compare with the fleet's
      baseLabelled = fleetBaseLabelled;
    }
    return new WaveStats(wave, fraction, devices, offline, running, failed, labelled == 0 ? null : accSum / labelled, labelled,
        baseLabelled == 0 ? null : baseSum / baseLabelled, baseLabelled);
  }

  /**
   * Whether silent devices count as offline yet: once the wave has run for a device timeout.
   * Nothing else in the figures depends on the time.
   */
  static boolean offlineCounts(Rollout r, RolloutSettings settings, long nowMs) {
    long timeout = settings.deviceTimeout().toMillis();
    return timeout > 0 && nowMs - r.getWaveStartedAtMs() >= timeout;
  }

  private static boolean failure(DeviceReport.Status s) {
    return switch (s) {
      case DOWNLOAD_FAILED, VERIFY_FAILED, HEALTH_CHECK_FAILED, ROLLED_BACK -> true;
      default -> false;
    };
  }
}

