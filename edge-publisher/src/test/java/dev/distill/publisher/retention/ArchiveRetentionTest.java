package dev.distill.publisher.retention;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.contract.proto.DeviceRecord;
import dev.distill.contract.proto.DeviceReport;
import dev.distill.contract.proto.ModelVersion;
import dev.distill.contract.proto.Rollout;
import dev.distill.publisher.state.FleetView;
import org.junit.jupiter.api.Test;

/** The controller's retention pass over the view: what is in use comes from devices' reports and the rollout. */
class ArchiveRetentionTest {
  final FleetView view = new FleetView();
  final ArchiveRetention retention = new ArchiveRetention(view, new RetentionPolicy(3));

  void publish(String model, long first, long last) {
    for (long v = first; v <= last; v++) {
      view.applyVersion(ModelVersion.newBuilder().setModelName(model).setVersion(v).build(),
          "%064d".formatted(v), 10, v);
    }
  }

  void installed(String device, String model, long version) {
    view.applyDevice(device, DeviceRecord.newBuilder().setDeviceId(device).setModelName(model)
        .setTokenSha256(device).build());
    view.applyReport(DeviceReport.newBuilder().setDeviceId(device).setModelName(model).setInstalledVersion(version)
        .setStatus(DeviceReport.Status.RUNNING).build());
  }

  @Test
  void versionsInstalledOnRegisteredDevicesOrNamedByTheRolloutStay() {
    publish("m", 1, 12);
    installed("dev-1", "m", 2);
    installed("dev-2", "m", 11);
    view.applyRollout("m", Rollout.newBuilder().setModelName("m").setTargetVersion(12).setLastGoodVersion(4)
        .setPinnedVersion(6).setState(Rollout.State.ACTIVE).setRevision(1).build());
    assertThat(view.versionsInUse("m")).containsExactly(2L, 4L, 6L, 11L, 12L);
    assertThat(retention.due()).containsExactly(ArchiveKey.of("m", 1), ArchiveKey.of("m", 3), ArchiveKey.of("m", 5),
        ArchiveKey.of("m", 7), ArchiveKey.of("m", 8), ArchiveKey.of("m", 9));
  }

  @Test
  void aDeregisteredDeviceNoLongerHoldsItsVersion() {
    publish("m", 1, 5);
    installed("dev-1", "m", 1);
    assertThat(retention.due()).containsExactly(ArchiveKey.of("m", 2));
    view.applyDevice("dev-1", null);
    assertThat(retention.due()).containsExactly(ArchiveKey.of("m", 1), ArchiveKey.of("m", 2));
  }

  @Test
  void modelsArePrunedEachByItsOwnCount() {
    publish("a", 1, 4);
    publish("b", 1, 3);
    assertThat(retention.due()).containsExactly(ArchiveKey.of("a", 1));
  }

  @Test
  void sentTombstonesAreNotOfferedAgainAndForgottenVersionsLeaveTheBook() {
    publish("m", 1, 5);
    assertThat(retention.due()).containsExactly(ArchiveKey.of("m", 1), ArchiveKey.of("m", 2));
    retention.sent(retention.due());
    assertThat(retention.due()).as("tombstones not read back yet").isEmpty();
    view.forgetVersion("m", 1);
    view.forgetVersion("m", 2);
    publish("m", 6, 6);
    assertThat(retention.due()).containsExactly(ArchiveKey.of("m", 3));
  }
}
