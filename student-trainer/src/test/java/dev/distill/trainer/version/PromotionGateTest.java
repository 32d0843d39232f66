package dev.distill.trainer.version;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PromotionGateTest {
  private final PromotionGate gate = new PromotionGate(0.005);

  @Test
  void theFirstCandidateIsPublished() {
    assertThat(gate.decide(Map.of("holdout_accuracy", 0.5), Map.of()).publish()).isTrue();
  }

  @Test
  void aCandidateWithinTheMarginIsPublishedAndOneBeyondItIsRejectedWithTheReason() {
    Map<String, Double> published = Map.of("holdout_accuracy", 0.970, "prequential_accuracy", 0.90);
    assertThat(gate.decide(Map.of("holdout_accuracy", 0.966, "prequential_accuracy", 0.99), published).publish())
        .isTrue();
    PromotionGate.Decision worse = gate.decide(Map.of("holdout_accuracy", 0.960, "prequential_accuracy", 0.99),
        published);
    assertThat(worse.publish()).isFalse();
    assertThat(worse.reason()).contains("holdout_accuracy 0.9600", "0.9700");
  }

  @Test
  void withoutAHoldoutThePrequentialAccuracyDecides() {
    Map<String, Double> published = Map.of("prequential_accuracy", 0.95);
    assertThat(gate.decide(Map.of("prequential_accuracy", 0.951), published).publish()).isTrue();
    assertThat(gate.decide(Map.of("prequential_accuracy", 0.90), published).publish()).isFalse();
  }

  @Test
  void aDivergedCandidateIsNeverPublished() {
    assertThat(gate.decide(Map.of("holdout_accuracy", Double.NaN), Map.of()).publish()).isFalse();
  }
}
