package dev.distill.trainer.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.distill.trainer.Softmax;
import dev.distill.trainer.engine.TrainingEngine;
import org.junit.jupiter.api.Test;

/**
 * The expected values are worked out here in plain double arithmetic, independently of DJL:
 * the loss straight from its definition, and the gradient from the closed forms
 * {@code d/ds [T^2 * CE(q, softmax(s/T))] = T * (softmax(s/T) - q)} (q sums to 1) and
 * {@code d/ds CE(y, softmax(s)) = softmax(s) - y}, each divided by the batch size N for the mean.
 */
class DistillationLossTest {
  private static final double TOL = 1e-5;
  private final TrainingEngine engine = TrainingEngine.start();

  // two records, three classes: the first labelled (class 0) at T = 2, the second unlabelled at T = 5
  private static final double[][] S = {{1.0, -0.5, 2.0}, {0.3, 0.1, -1.2}};
  private static final double[][] Q = {{0.7, 0.2, 0.1}, {0.25, 0.5, 0.25}};
  private static final double[] T = {2.0, 5.0};
  private static final int[] LABEL = {0, -1};

  @Test
  void lossAndGradientMatchTheClosedFormOnASmallMixedBatch() {
    check(0.9);
  }

  @Test
  void alphaZeroIsThePlainHardLabelLossOfTheLabelledRecords() {
    double[] actual = check(0.0);
    // by hand: CE(y=0, softmax(s_0)) / 2; the unlabelled record adds nothing
    double expected = -Math.log(Softmax.of(S[0], 1)[0]) / 2;
    assertThat(actual[0]).isCloseTo(expected, within(TOL));
  }

  @Test
  void theSoftTermKeepsTheTemperatureSquaredForUnlabelledRecords() {
    double[] actual = check(1.0);
    double soft1 = T[1] * T[1] * ce(Q[1], Softmax.of(S[1], T[1]));
    double soft0 = T[0] * T[0] * ce(Q[0], Softmax.of(S[0], T[0]));
    assertThat(actual[0]).isCloseTo((soft0 + soft1) / 2, within(TOL));
  }

  /** Runs DJL's loss and autograd, asserts them against the closed form, returns {loss, grads...}. */
  private double[] check(double alpha) {
    int n = S.length;
    int c = S[0].length;
    double loss = 0;
    double[][] grad = new double[n][c];
    for (int i = 0; i < n; i++) {
      double[] pt = Softmax.of(S[i], T[i]);
      double[] p = Softmax.of(S[i], 1);
      loss += alpha * T[i] * T[i] * ce(Q[i], pt);
      for (int k = 0; k < c; k++) {
        grad[i][k] = alpha * T[i] * (pt[k] - Q[i][k]) / n;
      }
      if (LABEL[i] >= 0) {
        loss -= (1 - alpha) * Math.log(p[LABEL[i]]);
        for (int k = 0; k < c; k++) {
          grad[i][k] += (1 - alpha) * (p[k] - (k == LABEL[i] ? 1 : 0)) / n;
        }
      }
    }
    loss /= n;

    try (NDManager m = NDManager.newBaseManager(engine.device())) {
      NDArray s = m.create(flat(S), new Shape(n, c));
      s.setRequiresGradient(true);
      NDArray q = m.create(flat(Q), new Shape(n, c));
      NDArray t = m.create(new float[] {(float) T[0], (float) T[1]}, new Shape(n, 1));
      NDArray y = m.create(new float[] {1, 0, 0, 0, 0, 0}, new Shape(n, c));
      NDArray labelled = m.create(new float[] {1, 0});
      float djlLoss;
      try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
        NDArray total = new DistillationLoss((float) alpha).evaluate(s, q, t, y, labelled).total();
        djlLoss = total.getFloat();
        gc.backward(total);
      }
      float[] djlGrad = s.getGradient().toFloatArray();
      assertThat((double) djlLoss).isCloseTo(loss, within(TOL));
      for (int i = 0; i < n; i++) {
        for (int k = 0; k < c; k++) {
          assertThat((double) djlGrad[i * c + k]).as("dL/ds[%d][%d]", i, k).isCloseTo(grad[i][k], within(TOL));
        }
      }
    }
    double[] out = new double[1 + n * c];
    out[0] = loss;
    return out;
  }

  private static double ce(double[] q, double[] p) {
    double ce = 0;
    for (int k = 0; k < q.length; k++) {
      ce -= q[k] * Math.log(p[k]);
    }
    return ce;
  }

  private static float[] flat(double[][] a) {
    float[] f = new float[a.length * a[0].length];
    for (int i = 0; i < a.length; i++) {
      for (int k = 0; k < a[0].length; k++) {
        f[i * a[0].length + k] = (float) a[i][k];
      }
    }
    return f;
  }
}
