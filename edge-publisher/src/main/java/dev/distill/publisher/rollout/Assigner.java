package dev.distill.publisher.rollout;

import java.util.Optional;

import dev.distill.contract.proto.Rollout;
import dev.distill.publisher.state.FleetView;

/** Which version a device should run: a pure function of its rollout and its place in the waves. */
public final class Assigner {
  private final FleetView view;
  private final RolloutSettings settings;

  public Assigner(FleetView view, RolloutSettings settings) {
    this.view = view;
    this.settings = settings;
  }

  public Target target(String deviceId, String model) {
    return target(deviceId, model, view.rollout(model));
  }

  /**
   * As {@link #target(String, String)}, under a rollout the caller read already: a push to a
   * whole fleet reads it once, not once a device (a change to it starts another push).
   */
  public Target target(String deviceId, String model, Optional<Rollout> rollout) {
    Rollout r = rollout.orElse(null);
    if (r == null) {
      return Target.none(model);
    }
    long v;
    if (r.getPinnedVersion() != 0) {
      v = r.getPinnedVersion();
    } else {
      v = switch (r.getState()) {
        case ACTIVE, PAUSED -> inCurrentWave(deviceId, r) ? r.getTargetVersion() : r.getLastGoodVersion();
        case COMPLETED -> r.getTargetVersion();
        default -> r.getLastGoodVersion(); // aborted, rolled back
      };
    }
    if (v == 0) {
      return Target.none(model);
    }
    return new Target(model, v, r.getRolloutId(), v < r.getTargetVersion());
  }

  boolean inCurrentWave(String deviceId, Rollout r) {
    int wave = Math.min(r.getCurrentWave(), r.getWavesCount() - 1);
    double fraction = r.getWavesCount() == 0 ? 1.0 : r.getWaves(wave);
    return view.inWave(deviceId, fraction, settings.minDevicesPerWave());
  }
}
