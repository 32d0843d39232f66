package dev.distill.publisher.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.contract.proto.Rollout;
import dev.distill.contract.proto.Rollout.State;
import org.junit.jupiter.api.Test;

/** Replicas order a model's rollout states by the controller's revision, never by their clocks. */
class RolloutRevisionTest {
  final FleetView view = new FleetView();

  static Rollout state(long revision, State state, long updatedAtMs) {
    return Rollout.newBuilder().setModelName("m").setRolloutId("m:v1").setTargetVersion(1).setState(state)
        .setRevision(revision).setUpdatedAtMs(updatedAtMs).build();
  }

  @Test
  void aHigherRevisionWinsEvenWhenItsWriterClockIsBehind() {
    view.applyRollout("m", state(4, State.ACTIVE, 10_000_000));
    assertThat(view.applyRollout("m", state(5, State.ABORTED, 1_000))).isTrue();
    assertThat(view.rollout("m").orElseThrow().getState()).isEqualTo(State.ABORTED);
  }

  @Test
  void aLowerOrEqualRevisionIsIgnoredEvenWhenItsClockIsAhead() {
    view.applyRollout("m", state(5, State.ABORTED, 1_000));
    assertThat(view.applyRollout("m", state(4, State.ROLLED_BACK, 99_000_000))).isFalse();
    assertThat(view.applyRollout("m", state(5, State.COMPLETED, 99_000_000))).as("read back, or a duplicate").isFalse();
    assertThat(view.rollout("m").orElseThrow().getState()).isEqualTo(State.ABORTED);
  }

  @Test
  void statesFromBeforeRevisionsFollowLogOrderAndNeverReplaceARevisedOne() {
    view.applyRollout("m", state(0, State.ACTIVE, 5_000));
    assertThat(view.applyRollout("m", state(0, State.PAUSED, 1_000))).as("log order, not time").isTrue();
    assertThat(view.applyRollout("m", state(1, State.ACTIVE, 0))).isTrue();
    assertThat(view.applyRollout("m", state(0, State.ABORTED, 9_000))).as("a replica without revisions").isFalse();
    assertThat(view.rollout("m").orElseThrow().getRevision()).isEqualTo(1);
  }

  @Test
  void aTombstoneRemovesTheRolloutAndOnlyAnAppliedStateNotifies() {
    int[] changes = {0};
    view.onChange(m -> changes[0]++);
    view.applyRollout("m", state(3, State.ACTIVE, 0));
    view.applyRollout("m", state(2, State.ACTIVE, 0));
    assertThat(changes[0]).isEqualTo(1);
    view.applyRollout("m", null);
    assertThat(view.rollout("m")).isEmpty();
    assertThat(changes[0]).isEqualTo(2);
  }
}
