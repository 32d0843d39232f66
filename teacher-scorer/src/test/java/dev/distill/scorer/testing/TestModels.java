package dev.distill.scorer.testing;

import dev.distill.contract.model.ModelInterface;
import dev.distill.contract.model.TeacherManifest;
import dev.distill.contract.model.TeacherStore;
import dev.distill.contract.model.TeacherVersion;
import dev.distill.contract.onnx.OnnxGraph;
import dev.distill.contract.onnx.OnnxModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Small teachers with seeded random weights, written with the contract's ONNX writer. */
public final class TestModels {
  private TestModels() {}

  /**
   * An MLP over raw pixels (scaled by 1/255 in the graph, as real teachers are) with ReLU between
   * layers and He-initialised weights, so logits differ by a few units.
   *
   * @param layers D, hidden sizes..., C
   */
  public static byte[] mlp(long seed, int... layers) {
    Random rnd = new Random(seed);
    OnnxGraph g = new OnnxGraph("mlp-" + seed);
    String x = g.scale(g.input(ModelInterface.INPUT, -1, layers[0]), 1f / 255f);
    for (int i = 1; i < layers.length; i++) {
      int in = layers[i - 1];
      int out = layers[i];
      float[] w = new float[in * out];
      double sd = Math.sqrt(2.0 / in);
      for (int j = 0; j < w.length; j++) {
        w[j] = (float) (rnd.nextGaussian() * sd);
      }
      float[] b = new float[out];
      for (int j = 0; j < b.length; j++) {
        b[j] = (float) (rnd.nextGaussian() * 0.1);
      }
      x = g.dense(x, w, b, in, out);
      if (i < layers.length - 1) {
        x = g.relu(x);
      }
    }
    g.output(x, ModelInterface.OUTPUT, -1, layers[layers.length - 1]);
    return new OnnxModel(g).metadata(ModelInterface.META_ARCHITECTURE, "mlp:" + Arrays.toString(layers)).toBytes();
  }

  /** A one-layer model that multiplies its input by 1e30 first: any feature above ~1e9 overflows to a non-finite logit. */
  public static byte[] overflowing(int inputSize, int classes) {
    OnnxGraph g = new OnnxGraph("overflow");
    String x = g.scale(g.input(ModelInterface.INPUT, -1, inputSize), 1e30f);
    float[] w = new float[inputSize * classes];
    Arrays.fill(w, 1f);
    x = g.dense(x, w, new float[classes], inputSize, classes);
    g.output(x, ModelInterface.OUTPUT, -1, classes);
    return new OnnxModel(g).toBytes();
  }

  /** Publishes members of the {@code pixels [N, D]} interface, D and C read from the first member's graph. */
  public static TeacherVersion publish(TeacherStore store, String teacherId, byte[]... members) {
    int d = 1;
    int c = 2;
    try {
      var described = dev.distill.contract.onnx.OnnxGraphReader.read(members[0]);
      d = (int) described.inputs().get(0).shape().get(1).size();
      c = (int) described.outputs().get(0).shape().get(1).size();
    } catch (RuntimeException notAModel) {
      // a deliberately broken member: the manifest still needs some interface
    }
    try {
      return store.publish(teacherId, List.of(members), TeacherManifest.legacy(d, c, Map.of("origin", "test")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
