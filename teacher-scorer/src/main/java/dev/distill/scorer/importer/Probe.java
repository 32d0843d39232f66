package dev.distill.scorer.importer;

import dev.distill.contract.model.TeacherManifest;
import dev.distill.contract.model.TensorSpec;
import dev.distill.contract.wire.Tensors;
import dev.distill.scorer.teacher.Teacher;
import dev.distill.scorer.teacher.TeacherBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Tells a probability output from logits by running the teacher on a few random inputs: a
 * softmax output is non-negative with rows summing to 1, which logits of random inputs never are.
 */
final class Probe {
  private static final double SUM_TOLERANCE = 1e-3;

  private Probe() {}

  static boolean looksLikeProbabilities(Teacher t, int rows) {
    Random rnd = new Random(42);
    List<TeacherBatch.Input> inputs = new ArrayList<>();
    for (TeacherManifest.Input in : t.manifest().inputs()) {
      List<TensorSpec.Dim> dims = in.spec().shape();
      long[] shape = new long[dims.size()];
      shape[0] = rows;
      int per = 1;
      for (int d = 1; d < shape.length; d++) {
        shape[d] = dims.get(d).isFixed() ? dims.get(d).size() : 4;
        per *= (int) shape[d];
      }
      if (Tensors.isFloatingPoint(in.spec().dtype())) {
        float[] x = new float[rows * per];
        for (int i = 0; i < x.length; i++) {
          x[i] = (float) rnd.nextGaussian();
        }
        inputs.add(new TeacherBatch.Input(in.name(), shape, x, null));
      } else {
        long[] x = new long[rows * per];
        for (int i = 0; i < x.length; i++) {
          x[i] = 1 + rnd.nextInt(3); // small ids are valid for any vocabulary; 1s are an all-on mask
        }
        inputs.add(new TeacherBatch.Input(in.name(), shape, null, x));
      }
    }
    float[] out = t.logits(new TeacherBatch(rows, inputs))[0];
    int c = t.numClasses();
    for (int r = 0; r < rows; r++) {
      double sum = 0;
      for (int k = 0; k < c; k++) {
        // the teacher hands out log p for a probability output: undo that for the test
        double v = t.manifest().output().kind() == TeacherManifest.OutputKind.PROBABILITIES
            ? Math.exp(out[r * c + k]) : out[r * c + k];
        if (v < 0 || v > 1 + SUM_TOLERANCE) {
          return false;
        }
        sum += v;
      }
      if (Math.abs(sum - 1) > SUM_TOLERANCE) {
        return false;
      }
    }
    return true;
  }
}
