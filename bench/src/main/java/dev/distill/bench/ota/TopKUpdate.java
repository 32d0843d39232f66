package dev.distill.bench.ota;

import ai.onnx.proto.OnnxMl;
import dev.distill.contract.onnx.OnnxGraphReader;
import dev.distill.contract.onnx.OnnxTensors;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The comparison for distill's quantized updates: a top-k sparse update, as in sparsified
 * distributed training. The next version is the one last published with only the weights that
 * moved most towards the trained model taken over. Per float
 * tensor of at least {@value #SMALL_TENSOR} values, the {@code fraction} of positions with the
 * largest {@code |trained - published|} get the trained value and every other keeps the published
 * one; smaller tensors (biases, norms) and tensors the published model lacks are taken whole.
 *
 * <p>What is not taken over is not lost: the next update measures from the same published
 * weights towards a trained model that kept learning, so a weight left behind grows in the
 * ranking until it is sent (error feedback, as in sparsified distributed training). Consecutive
 * versions of the lineage differ only in those positions, so the lossless delta between them
 * (XOR against the base, then zstd) is mostly zeros, and a device reproduces the version byte for
 * byte.
 *
 * <p>The graph, metadata and tensor order are the trained model's, so the result runs exactly as
 * the trained model does, only with other weights.
 */
final class TopKUpdate {
  /** Tensors smaller than this are sent whole: their positions would cost more than their values. */
  static final int SMALL_TENSOR = 1024;

  private TopKUpdate() {}

  /**
   * @param onnx the new version's bytes
   * @param changed weights whose value differs from the published version's
   * @param weights float weights in the model
   */
  record Result(byte[] onnx, long changed, long weights) {
    public double changedFraction() {
      return weights == 0 ? 0 : (double) changed / weights;
    }
  }

  /**
   * @param published the version last published in the lineage (its bytes)
   * @param trained the trained model now, with the new version's graph and metadata
   * @param fraction of each large tensor's weights taken over, in (0, 1]
   * @throws IllegalArgumentException when either is not an ONNX model, or for a fraction outside (0, 1]
   */
  static Result apply(byte[] published, byte[] trained, double fraction) {
    if (!(fraction > 0 && fraction <= 1)) {
      throw new IllegalArgumentException("the fraction of weights updated must be in (0, 1], not " + fraction);
    }
    OnnxMl.ModelProto base = OnnxGraphReader.parse(published, "published");
    OnnxMl.ModelProto next = OnnxGraphReader.parse(trained, "trained");
    Map<String, OnnxMl.TensorProto> baseTensors = new HashMap<>();
    base.getGraph().getInitializerList().forEach(t -> baseTensors.put(t.getName(), t));
    OnnxMl.GraphProto.Builder graph = next.getGraph().toBuilder();
    long changed = 0;
    long weights = 0;
    for (int i = 0; i < graph.getInitializerCount(); i++) {
      OnnxMl.TensorProto t = graph.getInitializer(i);
      if (t.getDataType() != OnnxMl.TensorProto.DataType.FLOAT_VALUE) {
        continue;
      }
      float[] target = OnnxTensors.floats(t);
      weights += target.length;
      OnnxMl.TensorProto b = baseTensors.get(t.getName());
      float[] from = b == null || b.getDataType() != t.getDataType() || !b.getDimsList().equals(t.getDimsList())
          ? null : OnnxTensors.floats(b);
      if (from == null || from.length != target.length || target.length < SMALL_TENSOR) {
        changed += from == null || from.length != target.length ? target.length : differing(from, target);
        continue; // taken whole
      }
      float[] out = takeLargest(from, target, fraction);
      changed += differing(from, out);
      graph.setInitializer(i, OnnxTensors.withFloats(t, out));
    }
    byte[] bytes = next.toBuilder().setGraph(graph).build().toByteArray();
    return new Result(bytes, changed, weights);
  }

  /** {@code from} with the {@code fraction} of positions that differ most from {@code target} set to it. */
  static float[] takeLargest(float[] from, float[] target, double fraction) {
    int n = from.length;
    int k = (int) Math.min(n, Math.ceil(fraction * n));
    float[] gap = new float[n];
    for (int i = 0; i < n; i++) {
      gap[i] = Math.abs(target[i] - from[i]);
    }
    float[] sorted = gap.clone();
    Arrays.sort(sorted);
    float threshold = sorted[n - k];
    int strictlyAbove = n - upperBound(sorted, threshold);
    int tiesToTake = k - strictlyAbove; // positions at the threshold, taken in index order
    float[] out = from.clone();
    for (int i = 0; i < n; i++) {
      if (gap[i] > threshold || (gap[i] == threshold && tiesToTake-- > 0)) {
        out[i] = target[i];
      }
    }
    return out;
  }

  /** The first index whose value is above {@code v} in an ascending array. */
  private static int upperBound(float[] sorted, float v) {
    int lo = 0;
    int hi = sorted.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid] <= v) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private static long differing(float[] a, float[] b) {
    long n = 0;
    for (int i = 0; i < a.length; i++) {
      if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
        n++;
      }
    }
    return n;
  }
}
