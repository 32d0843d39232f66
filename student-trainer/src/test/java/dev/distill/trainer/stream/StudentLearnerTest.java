package dev.distill.trainer.stream;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.model.Architecture;
import dev.distill.trainer.Mnist;
import dev.distill.trainer.engine.TrainingEngine;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The student learns through the very step the trainer service calls ({@link StudentLearner#step}),
 * in memory: one pass over 5,000 MNIST soft targets at T = 20 reaches the accuracy DJL's own Adam
 * reaches on the same batches (0.79 on the first 2,000 test images; hard labels alone reach 0.84),
 * where the student reached 0.66 while gradients accumulated across steps; and every step's update
 * sees the gradient of its own batch only.
 */
class StudentLearnerTest {
  private static final int C = 10;
  private static final float T = 20f;
  private final TrainingEngine engine = TrainingEngine.start();

  @Test
  void onePassOverFiveThousandSoftTargetsLearnsAsDjlsOwnAdamDoes() {
    LabelledImages train = Mnist.train();
    LabelledImages all = Mnist.test();
    LabelledImages test = new LabelledImages(all.dataset(), all.split(), all.rows(), all.cols(),
        Arrays.copyOf(all.pixels(), 2_000 * all.pixelsPerImage()), Arrays.copyOf(all.labels(), 2_000));
    try (StudentLearner student = new StudentLearner(engine, Architecture.parse("mlp:784-128-10"),
        ResumableOptimizer.Kind.ADAM, LearningRate.constant(1e-3f), 0f, 0.9f, 1)) {
      for (int from = 0; from < 5_000; from += 32) {
        StepResult r = student.step(batch(train, from, Math.min(32, 5_000 - from)));
        assertThat(r.skipped()).isFalse();
      }
      double accuracy = student.accuracy(test);
      System.out.printf("StudentLearnerTest: accuracy %.4f after one pass over 5,000 soft targets%n", accuracy);
      assertThat(accuracy).isGreaterThanOrEqualTo(0.75);
    }
  }

  @Test
  void eachUpdateUsesTheFreshGradientOfItsOwnBatchOnly() {
    LabelledImages train = Mnist.train();
    try (StudentLearner student = new StudentLearner(engine, Architecture.parse("mlp:784-128-10"),
        ResumableOptimizer.Kind.SGD, LearningRate.constant(1e-2f), 0f, 0.9f, 1)) {
      Parameter w = student.network().model().getBlock().getParameters().valueAt(0);
      student.step(batch(train, 0, 32));
      // with plain SGD (no momentum) the change of a weight is exactly -lr * gradient of the batch
      float[] before = w.getArray().toFloatArray();
      byte[] state = student.resumeState();
      student.step(batch(train, 32, 32));
      float[] after = w.getArray().toFloatArray();
      NDArray g = w.getArray().getGradient();
      float[] grad = g == null ? new float[0] : g.toFloatArray();
      assertThat(grad).as("the gradient is cleared once the update used it").containsOnly(0f);
      float[] step = new float[before.length];
      for (int i = 0; i < before.length; i++) {
        step[i] = (before[i] - after[i]) / 1e-2f;
      }
      float[] fresh = freshGradient(state, train, 32);
      double diff = 0;
      double norm = 0;
      for (int i = 0; i < step.length; i++) {
        diff += Math.abs(step[i] - fresh[i]);
        norm += Math.abs(fresh[i]);
      }
      assertThat(diff / norm).as("relative L1 distance of the applied step from the batch's gradient")
          .isLessThan(1e-2);
    }
  }

  /** The gradient of the first weight on batch {@code from} at the saved weights, by a learner that made no step. */
  private float[] freshGradient(byte[] state, LabelledImages train, int from) {
    try (StudentLearner twin = new StudentLearner(engine, Architecture.parse("mlp:784-128-10"),
        ResumableOptimizer.Kind.SGD, LearningRate.constant(1e-2f), 0f, 0.9f, 2)) {
      twin.restore(state);
      Parameter w = twin.network().model().getBlock().getParameters().valueAt(0);
      float[] before = w.getArray().toFloatArray();
      twin.step(batch(train, from, 32));
      float[] after = w.getArray().toFloatArray();
      float[] g = new float[before.length];
      for (int i = 0; i < g.length; i++) {
        g[i] = (before[i] - after[i]) / 1e-2f;
      }
      return g;
    }
  }

  /** Rows {@code from..from+n} as raw pixels with smoothed one-hot soft targets at T; every tenth unlabelled. */
  static Batch batch(LabelledImages images, int from, int n) {
    int d = images.pixelsPerImage();
    float[] x = new float[n * d];
    float[] q = new float[n * C];
    float[] t = new float[n];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      byte[] img = images.image(from + i);
      for (int j = 0; j < d; j++) {
        x[i * d + j] = img[j] & 0xff;
      }
      int label = images.label(from + i);
      for (int k = 0; k < C; k++) {
        q[i * C + k] = k == label ? 0.5f : 0.5f / (C - 1);
      }
      t[i] = T;
      y[i] = (from + i) % 10 == 0 ? -1 : label;
    }
    return new Batch(n, n, x, q, t, y);
  }
}
