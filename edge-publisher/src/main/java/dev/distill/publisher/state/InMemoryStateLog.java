package dev.distill.publisher.state;

import dev.distill.contract.proto.DeviceRecord;
import dev.distill.contract.proto.DeviceReport;
import dev.distill.contract.proto.Rollout;

/** Applies every change to the view at once: no durability, for tests and single-process use. */
public final class InMemoryStateLog implements StateLog {
  private final FleetView view;

  public InMemoryStateLog(FleetView view) {
    this.view = view;
  }

  @Override
  public void registerDevice(DeviceRecord device) {
    view.applyDevice(device.getDeviceId(), device);
  }

  /** The in-memory rollout controller's writer. */
  public void putRollout(Rollout rollout) {
    view.applyRollout(rollout.getModelName(), rollout);
  }

  @Override
  public void deregisterDevice(String deviceId) {
    view.applyDevice(deviceId, null);
  }

  @Override
  public void report(DeviceReport report) {
    view.applyReport(report);
  }

  @Override
  public boolean caughtUp() {
    return true;
  }

  @Override
  public void close() {}
}
