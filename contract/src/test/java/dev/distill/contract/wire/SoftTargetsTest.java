package dev.distill.contract.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.distill.contract.proto.SoftTarget;
import dev.distill.contract.proto.TopK;
import org.junit.jupiter.api.Test;

class SoftTargetsTest {
  private static SoftTarget.Builder base() {
    return SoftTarget.newBuilder()
        .setSampleId("s")
        .setNumClasses(4)
        .setTemperature(20f)
        .setFeatures(Tensors.uint8(new byte[] {1, 2}, 2));
  }

  @Test
  void topKSpreadsTheResidualEvenlyOverUnlistedClasses() {
    SoftTarget t = base()
        .setTopK(TopK.newBuilder().addIndices(2).addProbs(0.6f).addIndices(0).addProbs(0.2f).setResidual(0.2f))
        .build();
    float[] p = SoftTargets.dense(t);
    assertThat(p[0]).isCloseTo(0.2f, within(1e-7f));
    assertThat(p[1]).isCloseTo(0.1f, within(1e-7f));
    assertThat(p[2]).isCloseTo(0.6f, within(1e-7f));
    assertThat(p[3]).isCloseTo(0.1f, within(1e-7f));
  }

  @Test
  void decodeRoundTripsAValidDenseTarget() {
    SoftTarget t = base().addProbs(0.7f).addProbs(0.1f).addProbs(0.1f).addProbs(0.1f).setLabel(0).build();
    assertThat(SoftTargets.decode(t.toByteArray())).isEqualTo(t);
  }

  @Test
  void wrongShapesAreRejectedWithTheField() {
    assertThatThrownBy(() -> SoftTargets.validate(base().addProbs(0.5f).addProbs(0.5f).build()))
        .hasMessage("distill.v1.SoftTarget.probs: has 2 entries, num_classes is 4");
    assertThatThrownBy(() -> SoftTargets.validate(
            base().addProbs(0.5f).addProbs(0.5f).addProbs(0.5f).addProbs(0.5f).build()))
        .hasMessage("distill.v1.SoftTarget.probs: must sum to 1, got 2.0");
    assertThatThrownBy(() -> SoftTargets.validate(base().build()))
        .hasMessage("distill.v1.SoftTarget.probs: exactly one of probs and top_k must be set");
    assertThatThrownBy(() -> SoftTargets.validate(
            base().addProbs(1f).addProbs(0f).addProbs(0f).addProbs(0f).setLabel(4).build()))
        .hasMessage("distill.v1.SoftTarget.label: must be in [0, 4), got 4");
  }
}
