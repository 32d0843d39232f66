package dev.distill.trainer.version;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PromotionGateTest {
  private final PromotionGate gate = new PromotionGate(0.005, 200, 100);

  private static Map<String, Double> slice(int examples, int labelled, Double accuracy, double agreement) {
    Map<String, Double> m = new HashMap<>(Map.of("validation_examples", (double) examples,
        "validation_labelled", (double) labelled, "validation_agreement", agreement, "validation_kl", 0.1));
    if (accuracy != null) {
      m.put("validation_accuracy", accuracy);
    }
    return m;
  }

  @Test
  void theFirstCandidateIsPublishedOnceTheSliceIsReady() {
    PromotionGate.Decision d = gate.decide(slice(300, 0, null, 0.5), Map.of());
    assertThat(d.publish()).isTrue();
    assertThat(d.reason()).contains("first version", "validation_agreement 0.5000", "300 validation examples",
        "0 labelled");
  }

  @Test
  void untilTheSliceHoldsItsMinimumNoCandidateIsJudged() {
    PromotionGate.Decision d = gate.decide(slice(199, 199, 0.99, 0.99), Map.of());
    assertThat(d.verdict()).isEqualTo(PromotionGate.Verdict.NOT_JUDGED);
    assertThat(d.publish()).isFalse();
    assertThat(d.reason()).contains("not judged", "199 of the 200");
  }

  @Test
  void withEnoughLabelsAccuracyDecidesWithinTheMargin() {
    Map<String, Double> published = slice(1000, 500, 0.970, 0.90);
    assertThat(gate.decide(slice(1000, 500, 0.966, 0.80), published).publish()).isTrue();
    PromotionGate.Decision worse = gate.decide(slice(1000, 500, 0.960, 0.99), published);
    assertThat(worse.verdict()).isEqualTo(PromotionGate.Verdict.REJECT);
    assertThat(worse.reason()).contains("validation_accuracy 0.9600", "0.9700", "1000 validation examples",
        "500 labelled");
  }

  @Test
  void withTooFewLabelsAgreementWithTheTeacherDecides() {
    // 99 labels: below the 100 the gate needs, so the (better) accuracy does not count
    Map<String, Double> published = slice(1000, 99, 0.5, 0.95);
    PromotionGate.Decision worse = gate.decide(slice(1000, 99, 0.99, 0.90), published);
    assertThat(worse.publish()).isFalse();
    assertThat(worse.reason()).contains("validation_agreement 0.9000", "0.9500", "99 labelled");
    assertThat(gate.decide(slice(1000, 99, 0.1, 0.951), published).publish()).isTrue();
  }

  @Test
  void aDivergedCandidateIsNeverPublished() {
    assertThat(gate.decide(slice(1000, 0, null, Double.NaN), Map.of()).publish()).isFalse();
    assertThat(gate.decide(slice(1000, 500, Double.NaN, 0.9), Map.of()).publish()).isFalse();
  }

  @Test
  void aPublishedVersionWithoutTheMetricDoesNotBlockTheCandidate() {
    PromotionGate.Decision d = gate.decide(slice(1000, 0, null, 0.9), Map.of("holdout_accuracy", 0.99));
    assertThat(d.publish()).isTrue();
    assertThat(d.reason()).contains("has no validation_agreement");
  }
}
