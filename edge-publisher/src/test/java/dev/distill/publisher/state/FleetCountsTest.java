package dev.distill.publisher.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.contract.proto.DeviceRecord;
import dev.distill.contract.proto.DeviceReport;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The fleet figures the view keeps as records arrive (devices per installed version, the
 * one-pass wave) agree with a count made afresh from the per-device look-ups, over a random
 * history of registrations, moves between models, deregistrations and reports, including
 * reports that arrive before their device's record.
 */
class FleetCountsTest {
  static final List<String> MODELS = List.of("a", "b");

  final FleetView view = new FleetView();

  static DeviceRecord record(String id, String model) {
    return DeviceRecord.newBuilder().setDeviceId(id).setModelName(model).setTokenSha256("t-" + id).build();
  }

  static DeviceReport report(String id, long installed, double accuracy) {
    return DeviceReport.newBuilder().setDeviceId(id).setInstalledVersion(installed)
        .setStatus(DeviceReport.Status.RUNNING).setAccuracy(accuracy).setLabelledCount(10).build();
  }

  @Test
  void devicesPerVersionFollowsEveryKindOfChange() {
    Random rnd = new Random(7);
    for (int step = 0; step < 5_000; step++) {
      String id = "d" + rnd.nextInt(60);
      switch (rnd.nextInt(4)) {
        case 0 -> view.applyDevice(id, record(id, MODELS.get(rnd.nextInt(2))));
        case 1 -> view.applyDevice(id, null);
        default -> view.applyReport(report(id, rnd.nextInt(4), rnd.nextDouble()));
      }
      if (step % 250 == 0) {
        for (String model : MODELS) {
          assertThat(view.devicesPerVersion(model)).as("model %s after step %d", model, step).isEqualTo(counted(model));
        }
      }
    }
    for (String model : MODELS) {
      assertThat(view.devicesPerVersion(model)).isEqualTo(counted(model));
    }
    assertThat(view.devicesPerVersion("a").values().stream().mapToInt(Integer::intValue).sum()
        + view.devicesPerVersion("b").values().stream().mapToInt(Integer::intValue).sum())
        .isEqualTo(view.deviceCount());
  }

  @Test
  void aWavePassSaysWhatTheLookUpsSay() {
    Random rnd = new Random(11);
    for (int i = 0; i < 300; i++) {
      String id = "d" + i;
      view.applyDevice(id, record(id, "a"));
      if (rnd.nextBoolean()) {
        view.applyReport(report(id, 1 + rnd.nextInt(2), rnd.nextDouble()));
      }
    }
    for (double fraction : new double[] {0.01, 0.1, 0.5, 1.0}) {
      List<FleetView.WaveDevice> wave = view.wave("a", fraction, 5, 1);
      assertThat(wave).extracting(FleetView.WaveDevice::device).containsExactlyElementsOf(view.fleet("a"));
      for (FleetView.WaveDevice d : wave) {
        String id = d.device().id();
        assertThat(d.inWave()).as("%s at %s", id, fraction).isEqualTo(view.inWave(id, fraction, 5));
        assertThat(d.latest()).isEqualTo(view.latestReport(id).orElse(null));
        assertThat(d.baseline()).isEqualTo(view.measuredReport(id, 1).orElse(null));
      }
      assertThat(wave.stream().filter(FleetView.WaveDevice::inWave).count()).as("at %s", fraction).isPositive();
    }
    assertThat(view.wave("a", 0.5, 5, 0)).allSatisfy(d -> assertThat(d.baseline()).isNull());
  }

  private Map<Long, Integer> counted(String model) {
    Map<Long, Integer> out = new TreeMap<>();
    for (FleetView.Device d : view.fleet(model)) {
      long v = view.latestReport(d.id()).map(DeviceReport::getInstalledVersion).orElse(0L);
      out.merge(v, 1, Integer::sum);
    }
    return out;
  }
}
