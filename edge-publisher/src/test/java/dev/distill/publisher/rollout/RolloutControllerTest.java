package dev.distill.publisher.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.contract.proto.DeviceRecord;
import dev.distill.contract.proto.DeviceReport;
import dev.distill.contract.proto.ModelVersion;
import dev.distill.contract.proto.Rollout;
import dev.distill.contract.proto.Rollout.State;
import dev.distill.contract.proto.RolloutCommand;
import dev.distill.contract.proto.RolloutOutcome;
import dev.distill.publisher.rollout.RolloutController.Decision;
import dev.distill.publisher.state.FleetView;
import dev.distill.publisher.state.InMemoryStateLog;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Waves, gates and operator actions on an in-memory fleet with a clock the test moves. */
class RolloutControllerTest {
  static final String M = "m";
  static final int FLEET = 200;
  final MutableClock clock = new MutableClock();
  final FleetView view = new FleetView();
  final RolloutSettings settings = new RolloutSettings(List.of(0.01, 0.10, 0.50, 1.0), 1, Duration.ofSeconds(60),
      Duration.ofMinutes(30), Duration.ofMinutes(10), 0.8, 0.05, 0.02, 0.0, 100, true);
  RolloutController controller;

  static final class MutableClock extends Clock {
    long ms = 1_000_000;

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(ms);
    }
  }

  @BeforeEach
  void fleet() {
    controller = new RolloutController(view, new InMemoryStateLog(view), settings, clock);
    for (int i = 0; i < FLEET; i++) {
      view.applyDevice("d" + i, DeviceRecord.newBuilder().setDeviceId("d" + i).setModelName(M).setTokenSha256("t" + i).build());
    }
  }

  void publish(long version) {
    view.applyVersion(ModelVersion.newBuilder().setModelName(M).setVersion(version).build(), "s" + version, 10, clock.ms);
  }

  Rollout rollout() {
    return view.rollout(M).orElseThrow();
  }

  List<String> wave() {
    Rollout r = rollout();
    return IntStream.range(0, FLEET).mapToObj(i -> "d" + i)
        .filter(d -> controller.assigner().target(d, M).version() == r.getTargetVersion()).toList();
  }

  void report(String device, long version, DeviceReport.Status status, Double accuracy) {
    DeviceReport.Builder b = DeviceReport.newBuilder().setDeviceId(device).setModelName(M).setInstalledVersion(version)
        .setStatus(status).setRolloutId(rollout().getRolloutId()).setReportedAtMs(clock.ms).setLabelledCount(accuracy == null ? 0 : 500)
        .setInferenceCount(500);
    if (accuracy != null) {
      b.setAccuracy(accuracy);
    }
    view.applyReport(b.build());
  }

  void everyoneInWaveRuns(long version, double accuracy) {
    wave().forEach(d -> report(d, version, DeviceReport.Status.RUNNING, accuracy));
  }

  @Test
  void aPublishedVersionStartsARolloutWhoseWavesGrowOnlyAfterTheMinimumDurationAndEnoughReports() throws Exception {
    publish(1);
    controller.tick();
    assertThat(rollout().getState()).isEqualTo(State.ACTIVE);
    assertThat(rollout().getLastGoodVersion()).isZero();
    List<String> canaries = wave();
    assertThat(canaries).hasSizeBetween(1, 8); // 1% of 200, by hash

    everyoneInWaveRuns(1, 0.9);
    controller.tick();
    assertThat(rollout().getCurrentWave()).as("minimum wave duration not over").isZero();

    clock.ms += 61_000;
    controller.tick();
    assertThat(rollout().getCurrentWave()).isEqualTo(1);
    assertThat(wave()).containsAll(canaries).hasSizeGreaterThan(canaries.size());

    for (int w = 1; w < 4; w++) {
      clock.ms += 61_000;
      everyoneInWaveRuns(1, 0.9);
      controller.tick();
    }
    assertThat(rollout().getState()).isEqualTo(State.COMPLETED);
    assertThat(wave()).hasSize(FLEET);
  }

  @Test
  void aNewerVersionWaitsForTheActiveRolloutAndNoDeviceGoesBackMeanwhile() throws Exception {
    publish(1);
    controller.tick();
    for (int w = 0; w < 4; w++) {
      clock.ms += 61_000;
      everyoneInWaveRuns(1, 0.9);
      controller.tick();
    }
    assertThat(rollout().getState()).isEqualTo(State.COMPLETED);
    publish(2);
    controller.tick();
    for (int w = 0; w < 3; w++) {
      clock.ms += 61_000;
      everyoneInWaveRuns(2, 0.9);
      controller.tick();
    }
    assertThat(rollout().getCurrentWave()).as("v2 in its last wave, not yet judged").isEqualTo(3);
    assertThat(wave()).hasSize(FLEET);

    publish(3);
    publish(4);
    controller.tick();
    assertThat(rollout().getTargetVersion()).as("v2's rollout goes on").isEqualTo(2);
    assertThat(IntStream.range(0, FLEET).mapToLong(i -> controller.assigner().target("d" + i, M).version()))
        .as("nobody is sent back to v1").containsOnly(2L);

    clock.ms += 61_000;
    everyoneInWaveRuns(2, 0.9);
    controller.tick(); // v2 completes
    controller.tick(); // the newest waiting version starts, from v2 as the last good one
    assertThat(rollout().getTargetVersion()).isEqualTo(4);
    assertThat(rollout().getLastGoodVersion()).isEqualTo(2);
    assertThat(IntStream.range(0, FLEET).mapToLong(i -> controller.assigner().target("d" + i, M).version()))
        .containsOnly(2L, 4L);
  }

  @Test
  void aNewerVersionReplacesARolloutStillInItsFirstWave() throws Exception {
    publish(1);
    controller.tick();
    List<String> canaries = wave();
    publish(2);
    controller.tick();
    assertThat(rollout().getTargetVersion()).isEqualTo(2);
    assertThat(rollout().getLastGoodVersion()).isZero();
    assertThat(wave()).as("the same first wave").containsExactlyElementsOf(canaries);
  }

  @Test
  void theWaveOrderIsTheSameForEveryRolloutAndReplica() {
    FleetView other = new FleetView();
    for (int i = FLEET - 1; i >= 0; i--) {
      other.applyDevice("d" + i, DeviceRecord.newBuilder().setDeviceId("d" + i).setModelName(M).build());
    }
    assertThat(other.fleet(M)).extracting(FleetView.Device::id).containsExactlyElementsOf(
        view.fleet(M).stream().map(FleetView.Device::id).toList());
  }

  @Test
  void aVersionLessAccurateThanTheLastGoodIsRolledBackAtTheFirstWave() throws Exception {
    completeVersionOne();
    publish(2);
    controller.tick();
    assertThat(rollout().getTargetVersion()).isEqualTo(2);
    assertThat(rollout().getLastGoodVersion()).isEqualTo(1);
    List<String> canaries = wave();
    canaries.forEach(d -> report(d, 2, DeviceReport.Status.RUNNING, 0.10));
    clock.ms += 61_000;
    controller.tick();
    assertThat(rollout().getState()).isEqualTo(State.ROLLED_BACK);
    assertThat(rollout().getCurrentWave()).isZero();
    assertThat(rollout().getReason()).contains("accuracy");
    Target t = controller.assigner().target(canaries.get(0), M);
    assertThat(t.version()).isEqualTo(1);
    assertThat(t.rollback()).as("the downgrade is signed as deliberate").isTrue();
  }

  @Test
  void aDeviceThatMeasuredTheLastGoodVersionCountsOnlyOnceItHasMeasuredTheNewOne() throws Exception {
    completeVersionOne();
    publish(2);
    controller.tick();
    wave().forEach(d -> report(d, 2, DeviceReport.Status.RUNNING, null));
    clock.ms += 61_000;
    controller.tick();
    assertThat(rollout().getState()).isEqualTo(State.ACTIVE);
    assertThat(rollout().getCurrentWave()).as("no verdict without the new version's accuracy").isZero();
    wave().forEach(d -> report(d, 2, DeviceReport.Status.RUNNING, 0.9));
    controller.tick();
    assertThat(rollout().getCurrentWave()).isEqualTo(1);
  }

  @Test
  void failuresBeyondTheRateRollBackWithoutWaitingForTheWaveToEnd() throws Exception {
    completeVersionOne();
    publish(2);
    controller.tick();
    wave().forEach(d -> report(d, 1, DeviceReport.Status.HEALTH_CHECK_FAILED, null));
    controller.tick();
    assertThat(rollout().getState()).isEqualTo(State.ROLLED_BACK);
    assertThat(rollout().getReason()).contains("failed");
  }

  @Test
  void aPausedRolloutDoesNotAdvanceAndResumesAndAbortsOnRequest() throws Exception {
    completeVersionOne();
    publish(2);
    controller.tick();
    controller.pause(M, "looking into it");
    everyoneInWaveRuns(2, 0.9);
    clock.ms += 61_000;
    controller.tick();
    assertThat(rollout().getState()).isEqualTo(State.PAUSED);
    assertThat(rollout().getCurrentWave()).isZero();
    assertThatThrownBy(() -> controller.pause(M, null)).isInstanceOf(RolloutException.class);

    controller.resume(M);
    clock.ms += 61_000;
    controller.tick();
    assertThat(rollout().getCurrentWave()).isEqualTo(1);

    controller.abort(M, "operator");
    assertThat(rollout().getState()).isEqualTo(State.ABORTED);
    assertThat(controller.assigner().target("d0", M)).extracting(Target::version, Target::rollback).containsExactly(1L, true);
    assertThatThrownBy(() -> controller.resume(M)).isInstanceOfSatisfying(RolloutException.class,
        e -> assertThat(e.kind()).isEqualTo(RolloutException.Kind.CONFLICT));
  }

  @Test
  void aNewerVersionWaitsForARolloutAnOperatorPausedButReplacesOneTheControllerPaused() throws Exception {
    completeVersionOne();
    publish(2);
    controller.tick();
    controller.pause(M, "looking into it");
    publish(3);
    controller.tick();
    assertThat(rollout()).extracting(Rollout::getTargetVersion, Rollout::getState).containsExactly(2L, State.PAUSED);

    controller.resume(M);
    controller.tick();
    assertThat(rollout().getTargetVersion()).as("resumed in its first wave: the newer version replaces it").isEqualTo(3);

    clock.ms += Duration.ofMinutes(31).toMillis(); // nobody reports: the wave runs out of time
    controller.tick();
    assertThat(rollout()).extracting(Rollout::getTargetVersion, Rollout::getState).containsExactly(3L, State.PAUSED);
    assertThat(rollout().getCommandId()).as("paused by the controller").isEmpty();
    publish(4);
    controller.tick();
    assertThat(rollout()).extracting(Rollout::getTargetVersion, Rollout::getState).containsExactly(4L, State.ACTIVE);
  }

  @Test
  void aPinOverridesTheRolloutForTheWholeFleetUntilRemoved() throws Exception {
    completeVersionOne();
    publish(2);
    controller.tick();
    controller.pin(M, 1);
    assertThat(IntStream.range(0, FLEET).mapToLong(i -> controller.assigner().target("d" + i, M).version()).distinct())
        .containsExactly(1L);
    controller.pin(M, 0);
    assertThat(wave()).isNotEmpty();
    assertThatThrownBy(() -> controller.pin(M, 99)).isInstanceOfSatisfying(RolloutException.class,
        e -> assertThat(e.kind()).isEqualTo(RolloutException.Kind.UNKNOWN_VERSION));
  }

  @Test
  void aWaveWithoutEnoughReportsIsPausedAfterItsTimeout() throws Exception {
    publish(1);
    controller.tick();
    clock.ms += Duration.ofMinutes(31).toMillis();
    controller.tick();
    assertThat(rollout().getState()).isEqualTo(State.PAUSED);
    assertThat(rollout().getReason()).contains("reports");
  }

  @Test
  void devicesSilentSinceTheWaveBeganLeaveItAfterTheDeviceTimeoutSoTheOthersDecide() throws Exception {
    publish(1);
    controller.tick();
    everyoneInWaveRuns(1, 0.9);
    clock.ms += 61_000;
    controller.tick();
    assertThat(rollout().getCurrentWave()).isEqualTo(1);
    long waveStart = rollout().getWaveStartedAtMs();
    List<String> wave = wave();
    List<String> silent = wave.subList(0, wave.size() / 2);
    // the silent half did report once, on the old state, just before this wave began
    clock.ms = waveStart - 1;
    silent.forEach(d -> report(d, 0, DeviceReport.Status.RUNNING, null));
    clock.ms = waveStart;
    clock.ms += 61_000;
    wave.subList(wave.size() / 2, wave.size()).forEach(d -> report(d, 1, DeviceReport.Status.RUNNING, 0.9));
    controller.tick();
    assertThat(rollout().getCurrentWave()).as("half of the wave has reported: not enough").isEqualTo(1);
    assertThat(controller.stats(rollout()).offline()).as("within the device timeout nobody is offline").isZero();

    clock.ms = waveStart + Duration.ofMinutes(10).toMillis();
    WaveStats s = controller.stats(rollout());
    assertThat(s.offline()).isEqualTo(silent.size());
    assertThat(s.devices()).isEqualTo(wave.size() - silent.size());
    // a canary that ran the new version before this wave and has been quiet since is not offline
    String canary = wave.get(wave.size() - 1);
    clock.ms = waveStart - 1;
    report(canary, 1, DeviceReport.Status.RUNNING, 0.9);
    clock.ms = waveStart + Duration.ofMinutes(10).toMillis();
    assertThat(controller.stats(rollout()).offline()).isEqualTo(silent.size());
    controller.tick();
    assertThat(rollout().getCurrentWave()).as("the devices still there decided the wave").isEqualTo(2);
    assertThat(rollout().getState()).isEqualTo(State.ACTIVE);
  }

  @Test
  void gateFiguresAreMeasuredAgainOnlyWhenTheFleetTheRolloutOrTheOfflineRuleHasMoved() throws Exception {
    publish(1);
    controller.tick();
    WaveStats first = controller.stats(rollout());
    assertThat(controller.stats(rollout())).as("nothing moved: the same figures").isSameAs(first);
    clock.ms += 1_000;
    assertThat(controller.stats(rollout())).as("time alone, within the device timeout").isSameAs(first);

    String canary = wave().get(0);
    report(canary, 1, DeviceReport.Status.RUNNING, 0.9);
    WaveStats reported = controller.stats(rollout());
    assertThat(reported.running()).as("a new report is counted").isEqualTo(first.running() + 1);

    clock.ms += Duration.ofMinutes(10).toMillis();
    assertThat(controller.stats(rollout()).offline()).as("past the device timeout the silent count as offline")
        .isEqualTo(wave().size() - 1);

    view.applyDevice("late", DeviceRecord.newBuilder().setDeviceId("late").setModelName(M).setTokenSha256("tl").build());
    assertThat(controller.stats(rollout())).as("a registration moves the fleet").isNotSameAs(reported);
  }

  @Test
  void aWaveWhoseDevicesAreAllOfflineIsPausedAtTheWaveTimeoutNamingThem() throws Exception {
    publish(1);
    controller.tick();
    int canaries = wave().size();
    clock.ms += Duration.ofMinutes(11).toMillis();
    controller.tick();
    assertThat(rollout().getState()).as("no report is no pass").isEqualTo(State.ACTIVE);
    assertThat(controller.stats(rollout())).extracting(WaveStats::devices, WaveStats::offline).containsExactly(0, canaries);
    clock.ms += Duration.ofMinutes(20).toMillis();
    controller.tick();
    assertThat(rollout().getState()).isEqualTo(State.PAUSED);
    assertThat(rollout().getReason()).contains(canaries + " devices offline");
  }

  @Test
  void everyWriteOfTheControllerIsTheNextRevisionAndRecordsTheCommandItAnswers() throws Exception {
    publish(1);
    controller.tick();
    assertThat(rollout().getRevision()).isEqualTo(1);
    assertThat(rollout().getCommandId()).isEmpty();
    RolloutCommand pause = controller.command(M, RolloutCommand.Kind.PAUSE).build();
    RolloutOutcome paused = controller.apply(pause);
    assertThat(paused.getResult()).isEqualTo(RolloutOutcome.Result.APPLIED);
    assertThat(paused.getRollout()).isEqualTo(rollout());
    assertThat(rollout().getRevision()).isEqualTo(2);
    assertThat(rollout().getCommandId()).isEqualTo(pause.getCommandId());
    controller.resume(M);
    clock.ms += 61_000;
    everyoneInWaveRuns(1, 0.9);
    controller.tick();
    assertThat(rollout().getCurrentWave()).isEqualTo(1);
    assertThat(rollout().getRevision()).isEqualTo(4);
    assertThat(rollout().getCommandId()).as("an automatic decision answers no command").isEmpty();
  }

  @Test
  void aCommandNamingAStaleRevisionIsAConflictThatChangesNothing() throws Exception {
    publish(1);
    controller.tick();
    Rollout before = rollout();
    Decision d = controller.decide(controller.command(M, RolloutCommand.Kind.PAUSE).setExpectedRevision(0).build());
    assertThat(d.state()).isNull();
    assertThat(d.outcome().getResult()).isEqualTo(RolloutOutcome.Result.CONFLICT);
    assertThat(d.outcome().getMessage()).contains("revision 1");
    assertThat(d.outcome().getRollout().getRevision()).isEqualTo(1);
    assertThat(controller.apply(controller.command(M, RolloutCommand.Kind.PAUSE).setExpectedRevision(0).build())
        .getResult()).isEqualTo(RolloutOutcome.Result.CONFLICT);
    assertThat(rollout()).isEqualTo(before);
    assertThat(controller.apply(controller.command(M, RolloutCommand.Kind.PAUSE).setExpectedRevision(1).build())
        .getResult()).isEqualTo(RolloutOutcome.Result.APPLIED);
    assertThat(rollout().getState()).isEqualTo(State.PAUSED);
  }

  @Test
  void anAbortQueuedBehindAnAutomaticRollbackOrCompletionStillLands() throws Exception {
    completeVersionOne();
    publish(2);
    controller.tick();
    RolloutCommand abort = controller.command(M, RolloutCommand.Kind.ABORT).setReason("operator saw errors").build();
    // the gates decide first: the abort was on its way meanwhile
    wave().forEach(d -> report(d, 1, DeviceReport.Status.HEALTH_CHECK_FAILED, null));
    controller.tick();
    assertThat(rollout().getState()).isEqualTo(State.ROLLED_BACK);
    assertThat(controller.apply(abort).getResult()).isEqualTo(RolloutOutcome.Result.APPLIED);
    assertThat(rollout().getState()).isEqualTo(State.ABORTED);
    assertThat(rollout().getReason()).isEqualTo("operator saw errors");
    controller.tick();
    assertThat(rollout().getState()).as("no automatic decision undoes it").isEqualTo(State.ABORTED);
    assertThat(controller.apply(controller.command(M, RolloutCommand.Kind.ABORT).build()).getResult())
        .as("aborted already").isEqualTo(RolloutOutcome.Result.CONFLICT);

    publish(3);
    controller.tick();
    for (int w = 0; w < 4; w++) {
      everyoneInWaveRuns(3, 0.9);
      clock.ms += 61_000;
      controller.tick();
    }
    assertThat(rollout().getState()).isEqualTo(State.COMPLETED);
    assertThat(controller.apply(controller.command(M, RolloutCommand.Kind.ABORT).build()).getResult())
        .isEqualTo(RolloutOutcome.Result.APPLIED);
    assertThat(controller.assigner().target("d0", M)).extracting(Target::version, Target::rollback).containsExactly(1L, true);
  }

  private void completeVersionOne() throws Exception {
    publish(1);
    controller.tick();
    for (int w = 0; w < 4; w++) {
      everyoneInWaveRuns(1, 0.9);
      clock.ms += 61_000;
      controller.tick();
    }
    assertThat(rollout().getState()).isEqualTo(State.COMPLETED);
  }
}
