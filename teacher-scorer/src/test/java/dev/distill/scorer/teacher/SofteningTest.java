package dev.distill.scorer.teacher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class SofteningTest {

  @Test
  void temperatureOneIsThePlainSoftmax() {
    double[] p = Softening.soften(new float[] {1f, 2f, 3f}, 1.0);

    double s = Math.exp(1) + Math.exp(2) + Math.exp(3);
    assertThat(p).containsExactly(new double[] {Math.exp(1) / s, Math.exp(2) / s, Math.exp(3) / s}, within(1e-15));
  }

  @Test
  void aHigherTemperatureFlattensTheDistributionButKeepsItsOrder() {
    float[] z = {0f, 4f, 8f};
    double[] cold = Softening.soften(z, 1.0);
    double[] hot = Softening.soften(z, 20.0);

    assertThat(hot[2]).isLessThan(cold[2]);
    assertThat(hot[0]).isGreaterThan(cold[0]);
    assertThat(hot[0]).isLessThan(hot[1]).isLessThan(hot[2]);
    double s = Math.exp(0) + Math.exp(0.2) + Math.exp(0.4);
    assertThat(hot[1]).isCloseTo(Math.exp(0.2) / s, within(1e-15));
  }

  @Test
  void hugeLogitsDoNotOverflow() {
    double[] p = Softening.soften(new float[] {3e38f, 3e38f, -3e38f}, 1.0);

    assertThat(p).containsExactly(new double[] {0.5, 0.5, 0.0}, within(1e-15));
  }

  @Test
  void anEnsembleRowIsTheMeanOfItsMembersSoftenedRows() {
    // two members, a batch of two rows of two classes each
    float[][] logits = {{0f, 0f, 1f, 3f}, {2f, 0f, 5f, 5f}};

    double[] row1 = Softening.ensembleRow(logits, 1, 2, 2.0);

    double[] a = Softening.soften(new float[] {1f, 3f}, 2.0);
    double[] b = Softening.soften(new float[] {5f, 5f}, 2.0);
    assertThat(row1).containsExactly(new double[] {(a[0] + b[0]) / 2, (a[1] + b[1]) / 2}, within(1e-15));
    assertThat(row1[0] + row1[1]).isCloseTo(1.0, within(1e-15));
  }

  @Test
  void aNonFiniteLogitInAnyMemberGivesNoDistribution() {
    float[][] logits = {{0f, 1f}, {Float.NaN, 1f}};

    assertThat(Softening.ensembleRow(logits, 0, 2, 20.0)).isNull();
    assertThat(Softening.ensembleRow(new float[][] {{Float.POSITIVE_INFINITY, 0f}}, 0, 2, 20.0)).isNull();
  }
}
