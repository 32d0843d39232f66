package dev.distill.publisher.rollout;

import dev.distill.contract.proto.DeviceReport;
import dev.distill.contract.proto.Rollout;
import dev.distill.contract.proto.Rollout.State;
import dev.distill.publisher.rollout.RolloutException.Kind;
import dev.distill.publisher.state.FleetView;
import dev.distill.publisher.state.StateLog;
import dev.distill.publisher.state.StateLog.StateWriteException;
import dev.distill.publisher.state.VersionInfo;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts rollouts for new versions, judges the current wave of each active rollout on every
 * {@link #tick()}, and carries out operators' requests. Every decision is written to the
 * state log, which is how other replicas learn it.
 */
public final class RolloutController {
  private static final Logger log = LoggerFactory.getLogger(RolloutController.class);

  private final FleetView view;
  private final StateLog stateLog;
  private final RolloutSettings settings;
  private final Assigner assigner;
  private final Clock clock;

  public RolloutController(FleetView view, StateLog stateLog, RolloutSettings settings, Clock clock) {
    this.view = view;
    this.stateLog = stateLog;
    this.settings = settings;
    this.assigner = new Assigner(view, settings);
    this.clock = clock;
  }

  public Assigner assigner() {
    return assigner;
  }

  public RolloutSettings settings() {
    return settings;
  }

  /** One round of decisions; call it periodically once the view has caught up. */
  public synchronized void tick() throws StateWriteException {
    for (String model : view.models()) {
      Optional<Rollout> current = view.rollout(model);
      Optional<VersionInfo> latest = view.latestVersion(model);
      // A newer version replaces an active rollout only while that one is no wider than a first
      // wave: later, starting over would send every device outside the new first wave back to
      // the last good version (seen in the demo: the fleet bounced between v5 and v4 at each new
      // version). So it waits for the current rollout to end, and then the newest waiting version
      // starts; the ones between are skipped. A paused rollout waits for people: replaced.
      boolean busy = current.isPresent() && current.get().getState() == State.ACTIVE
          && waveFraction(current.get()) > settings.waves().get(0);
      if (settings.autoStart() && latest.isPresent() && !busy
          && (current.isEmpty() || latest.get().version() > current.get().getTargetVersion())) {
        Rollout r = newRollout(model, latest.get().version(), settings.waves(), current, "published");
        log.info("model {}: version {} published, rollout {} starts (last good {})",
            model, r.getTargetVersion(), r.getRolloutId(), r.getLastGoodVersion());
        stateLog.putRollout(r);
        continue;
      }
      if (current.isPresent() && current.get().getState() == State.ACTIVE) {
        judge(current.get());
      }
    }
  }

  private static double waveFraction(Rollout r) {
    return r.getWavesCount() == 0 ? 1.0 : r.getWaves(Math.min(r.getCurrentWave(), r.getWavesCount() - 1));
  }

  private void judge(Rollout r) throws StateWriteException {
    WaveStats s = stats(r);
    long now = clock.millis();
    String wave = "wave " + (r.getCurrentWave() + 1) + "/" + r.getWavesCount() + " (" + percent(s.fraction()) + ")";
    // fail fast: so many failures that the rate is exceeded whatever the others report
    if (s.failed() > settings.maxFailureRate() * s.devices()) {
      rollBack(r, wave + ": " + s.failed() + " of " + s.devices() + " devices failed, more than "
          + percent(settings.maxFailureRate()));
      return;
    }
    long needed = Math.max(1, (long) Math.ceil(settings.minReportedFraction() * s.devices()));
    // accuracy over a handful of samples is noise: wait for enough labels when any are reported
    boolean enough = s.reported() >= needed && (s.accuracy() == null || s.labelled() >= settings.minLabelled());
    if (enough && s.failed() > settings.maxFailureRate() * s.reported()) {
      rollBack(r, wave + ": failure rate " + percent((double) s.failed() / s.reported()) + " > "
          + percent(settings.maxFailureRate()));
      return;
    }
    if (enough && s.accuracy() != null && s.baselineAccuracy() != null
        && s.accuracy() < s.baselineAccuracy() - settings.maxAccuracyDrop() - noise(s)) {
      rollBack(r, String.format(Locale.ROOT, "%s: on-device accuracy %.4f vs %.4f of last good version %d (max drop %.4f + noise %.4f)",
          wave, s.accuracy(), s.baselineAccuracy(), r.getLastGoodVersion(), settings.maxAccuracyDrop(), noise(s)));
      return;
    }
    if (enough && s.accuracy() != null && s.accuracy() < settings.minAccuracy()) {
      rollBack(r, String.format(Locale.ROOT, "%s: on-device accuracy %.4f below the floor %.4f",
          wave, s.accuracy(), settings.minAccuracy()));
      return;
    }
    long elapsed = now - r.getWaveStartedAtMs();
    if (enough && elapsed >= settings.minWaveDuration().toMillis()) {
      if (r.getCurrentWave() + 1 >= r.getWavesCount()) {
        log.info("rollout {}: {} passed, completed", r.getRolloutId(), wave);
        stateLog.putRollout(r.toBuilder().setState(State.COMPLETED).setReason(wave + " passed")
            .setUpdatedAtMs(now).build());
      } else {
        log.info("rollout {}: {} passed ({} running, {} failed), next wave", r.getRolloutId(), wave, s.running(), s.failed());
        stateLog.putRollout(r.toBuilder().setCurrentWave(r.getCurrentWave() + 1).setWaveStartedAtMs(now)
            .setReason(wave + " passed").setUpdatedAtMs(now).build());
      }
    } else if (elapsed >= settings.waveTimeout().toMillis()) {
      stateLog.putRollout(r.toBuilder().setState(State.PAUSED).setUpdatedAtMs(now)
          .setReason(wave + ": only " + s.reported() + " of " + needed + " needed reports within "
              + settings.waveTimeout()).build());
    }
  }

  /**
   * Two standard errors of the difference of two measured accuracies: a wave of a few devices
   * measures on a few hundred samples, whose accuracy varies by a few points by chance alone;
   * a bad version's drop is far larger.
   */
  static double noise(WaveStats s) {
    double p = s.baselineAccuracy();
    double q = s.accuracy();
    double var = q * (1 - q) / Math.max(1, s.labelled()) + p * (1 - p) / Math.max(1, s.baselineLabelled());
    return 2 * Math.sqrt(var);
  }

  private void rollBack(Rollout r, String reason) throws StateWriteException {
    log.warn("rollout {}: rolled back to version {}: {}", r.getRolloutId(), r.getLastGoodVersion(), reason);
    stateLog.putRollout(r.toBuilder().setState(State.ROLLED_BACK).setReason(reason).setUpdatedAtMs(clock.millis()).build());
  }

  /** The gate figures of a rollout's current wave. */
  public WaveStats stats(Rollout r) {
    int wave = Math.min(r.getCurrentWave(), Math.max(0, r.getWavesCount() - 1));
    double fraction = r.getWavesCount() == 0 ? 1.0 : r.getWaves(wave);
    int devices = 0;
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
    for (FleetView.Device d : view.fleet(r.getModelName())) {
      Optional<DeviceReport> base = r.getLastGoodVersion() == 0 ? Optional.empty()
          : view.measuredReport(d.id(), r.getLastGoodVersion());
      boolean hasBase = base.isPresent() && base.get().hasAccuracy() && base.get().getLabelledCount() > 0;
      if (hasBase) {
        fleetBaseSum += base.get().getAccuracy() * base.get().getLabelledCount();
        fleetBaseLabelled += base.get().getLabelledCount();
      }
      if (!view.inWave(d.id(), fraction, settings.minDevicesPerWave())) {
        continue;
      }
      devices++;
      DeviceReport rep = view.latestReport(d.id()).orElse(null);
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
            baseSum += base.get().getAccuracy() * rep.getLabelledCount();
            baseLabelled += rep.getLabelledCount();
          }
        }
      }
    }
    if (baseLabelled == 0 && fleetBaseLabelled > 0) {
      baseSum = fleetBaseSum; // no wave device ran the last good version: compare with the fleet's
      baseLabelled = fleetBaseLabelled;
    }
    return new WaveStats(wave, fraction, devices, running, failed, labelled == 0 ? null : accSum / labelled, labelled,
        baseLabelled == 0 ? null : baseSum / baseLabelled, baseLabelled);
  }

  private static boolean failure(DeviceReport.Status s) {
    return switch (s) {
      case DOWNLOAD_FAILED, VERIFY_FAILED, HEALTH_CHECK_FAILED, ROLLED_BACK -> true;
      default -> false;
    };
  }

  // ---- operators

  public synchronized Rollout start(String model, long version, List<Double> waves) throws RolloutException, StateWriteException {
    requireVersion(model, version);
    String problem = RolloutSettings.checkWaves(waves);
    if (problem != null) {
      throw new RolloutException(Kind.CONFLICT, problem);
    }
    Rollout r = newRollout(model, version, waves, view.rollout(model), "started by an operator");
    stateLog.putRollout(r);
    return r;
  }

  public synchronized Rollout pause(String model, String reason) throws RolloutException, StateWriteException {
    Rollout r = requireRollout(model);
    if (r.getState() != State.ACTIVE) {
      throw new RolloutException(Kind.CONFLICT, "rollout " + r.getRolloutId() + " is " + r.getState() + ", not ACTIVE");
    }
    return put(r.toBuilder().setState(State.PAUSED).setReason(reason(reason, "paused by an operator")));
  }

  public synchronized Rollout resume(String model) throws RolloutException, StateWriteException {
    Rollout r = requireRollout(model);
    if (r.getState() != State.PAUSED) {
      throw new RolloutException(Kind.CONFLICT, "rollout " + r.getRolloutId() + " is " + r.getState() + ", not PAUSED");
    }
    // the wave's clock restarts: reports during the pause may be stale
    return put(r.toBuilder().setState(State.ACTIVE).setWaveStartedAtMs(clock.millis()).setReason("resumed by an operator"));
  }

  public synchronized Rollout abort(String model, String reason) throws RolloutException, StateWriteException {
    Rollout r = requireRollout(model);
    if (r.getState() != State.ACTIVE && r.getState() != State.PAUSED) {
      throw new RolloutException(Kind.CONFLICT, "rollout " + r.getRolloutId() + " is " + r.getState() + ": nothing to abort");
    }
    return put(r.toBuilder().setState(State.ABORTED).setReason(reason(reason, "aborted by an operator")));
  }

  /** @param version 0 removes the pin */
  public synchronized Rollout pin(String model, long version) throws RolloutException, StateWriteException {
    if (version != 0) {
      requireVersion(model, version);
    }
    Optional<Rollout> current = view.rollout(model);
    if (current.isEmpty()) {
      if (version == 0) {
        throw new RolloutException(Kind.CONFLICT, "model " + model + " has no pin to remove");
      }
      return put(Rollout.newBuilder().setModelName(model).setRolloutId(model + ":pin:v" + version)
          .setTargetVersion(version).setLastGoodVersion(version).setState(State.COMPLETED)
          .addAllWaves(List.of(1.0)).setPinnedVersion(version).setStartedAtMs(clock.millis())
          .setWaveStartedAtMs(clock.millis()).setReason("pinned by an operator"));
    }
    return put(current.get().toBuilder().setPinnedVersion(version)
        .setReason(version == 0 ? "pin removed by an operator" : "version " + version + " pinned by an operator"));
  }

  private Rollout newRollout(String model, long version, List<Double> waves, Optional<Rollout> previous, String why) {
    long now = clock.millis();
    long lastGood = 0;
    long pinned = 0;
    if (previous.isPresent()) {
      Rollout p = previous.get();
      lastGood = p.getState() == State.COMPLETED ? p.getTargetVersion() : p.getLastGoodVersion();
      pinned = p.getPinnedVersion();
    }
    if (lastGood >= version) {
      lastGood = 0; // an operator restarting an older version: nothing lower is known good
    }
    return Rollout.newBuilder().setModelName(model).setRolloutId(model + ":v" + version + ":" + now)
        .setTargetVersion(version).setLastGoodVersion(lastGood).setState(State.ACTIVE).addAllWaves(waves)
        .setCurrentWave(0).setReason(why).setUpdatedAtMs(now).setWaveStartedAtMs(now).setStartedAtMs(now)
        .setPinnedVersion(pinned).build();
  }

  private Rollout put(Rollout.Builder b) throws StateWriteException {
    Rollout r = b.setUpdatedAtMs(clock.millis()).build();
    stateLog.putRollout(r);
    return r;
  }

  private Rollout requireRollout(String model) throws RolloutException {
    return view.rollout(model).orElseThrow(() -> new RolloutException(
        view.models().contains(model) ? Kind.CONFLICT : Kind.UNKNOWN_MODEL, "model " + model + " has no rollout"));
  }

  private void requireVersion(String model, long version) throws RolloutException {
    if (!view.models().contains(model)) {
      throw new RolloutException(Kind.UNKNOWN_MODEL, "no model named " + model);
    }
    if (!view.hasVersion(model, version)) {
      throw new RolloutException(Kind.UNKNOWN_VERSION, "model " + model + " has no version " + version);
    }
  }

  private static String reason(String given, String fallback) {
    return given == null || given.isBlank() ? fallback : given;
  }

  private static String percent(double f) {
    return String.format(Locale.ROOT, "%.1f%%", f * 100);
  }
}
