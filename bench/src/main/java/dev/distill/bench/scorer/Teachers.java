package dev.distill.bench.scorer;

import dev.distill.contract.model.ModelInterface;
import dev.distill.contract.onnx.OnnxGraph;
import dev.distill.contract.onnx.OnnxModel;
import java.util.Random;

/** The bench's teachers: MLPs with seeded random weights (speed does not depend on what they learned). */
final class Teachers {
  /** The teacher of the figures. */
  static final int[] MLP = {784, 1200, 1200, 10};
  /** Inference next to free: what the pipeline around the teacher costs on its own. */
  static final int[] TINY = {784, 10};

  private Teachers() {}

  /** Multiply-adds of one sample through {@code layers}, as FLOP (2 per multiply-add). */
  static double flopPerSample(int[] layers) {
    double f = 0;
    for (int i = 1; i < layers.length; i++) {
      f += 2.0 * layers[i - 1] * layers[i];
    }
    return f;
  }

  /** Raw pixels scaled by 1/255 in the graph, dense layers with ReLU between them. */
  static byte[] mlp(long seed, int[] layers) {
    Random rnd = new Random(seed);
    OnnxGraph g = new OnnxGraph("bench-mlp");
    String x = g.scale(g.input(ModelInterface.INPUT, -1, layers[0]), 1f / 255f);
    for (int i = 1; i < layers.length; i++) {
      float[] w = new float[layers[i - 1] * layers[i]];
      double sd = Math.sqrt(2.0 / layers[i - 1]);
      for (int j = 0; j < w.length; j++) {
        w[j] = (float) (rnd.nextGaussian() * sd);
      }
      x = g.dense(x, w, new float[layers[i]], layers[i - 1], layers[i]);
      if (i < layers.length - 1) {
        x = g.relu(x);
      }
    }
    g.output(x, ModelInterface.OUTPUT, -1, layers[layers.length - 1]);
    return new OnnxModel(g).toBytes();
  }
}
