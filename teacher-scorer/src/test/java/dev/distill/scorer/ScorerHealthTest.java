package dev.distill.scorer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.platform.http.Health;
import org.apache.kafka.streams.KafkaStreams.State;
import org.junit.jupiter.api.Test;

class ScorerHealthTest {

  @Test
  void aRebalancingScorerIsAliveButNotReady() {
    assertThat(ScorerHealth.live(State.REBALANCING).up()).isTrue();
    assertThat(ScorerHealth.ready(State.REBALANCING)).isEqualTo(Health.down("kafka streams is REBALANCING"));
  }

  @Test
  void onlyARunningScorerIsReady() {
    for (State s : State.values()) {
      assertThat(ScorerHealth.ready(s).up()).as("%s", s).isEqualTo(s == State.RUNNING);
    }
  }

  @Test
  void aFailedOrStoppedScorerIsDead() {
    for (State s : State.values()) {
      boolean dead = s == State.ERROR || s == State.PENDING_ERROR || s == State.NOT_RUNNING;
      assertThat(ScorerHealth.live(s).up()).as("%s", s).isEqualTo(!dead);
    }
  }
}
