package dev.distill.contract.ota;

import static dev.distill.contract.ota.DeltaCodecTest.gaussian;
import static dev.distill.contract.ota.DeltaCodecTest.mlp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl;
import dev.distill.contract.onnx.OnnxTensors;
import java.util.Random;
import org.junit.jupiter.api.Test;

class QuantizedUpdateTest {
  private static float[] tensor(byte[] onnx, int index) throws Exception {
    return OnnxTensors.floats(OnnxMl.ModelProto.parseFrom(onnx).getGraph().getInitializer(index));
  }

  /** The first float tensor of {@code n} values: the tests' models have one weight matrix of each size. */
  private static float[] weightsOf(byte[] onnx, int n) throws Exception {
    for (int i = 0; ; i++) {
      float[] t = tensor(onnx, i);
      if (t.length == n) {
        return t;
      }
    }
  }

  private static double distance(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (a[i] - b[i]) * (double) (a[i] - b[i]);
    }
    return Math.sqrt(s);
  }

  @Test
  void eachWeightMovesByWholeStepsAndTheVersionNamesItsBaseAndSteps() throws Exception {
    Random r = new Random(1);
    byte[] base = mlp(gaussian(r, 40 * 30, 0.1), gaussian(r, 30, 0.1), gaussian(r, 300, 0.1), gaussian(r, 10, 0.1),
        40, 30, 10, 1);
    byte[] trained = mlp(gaussian(r, 40 * 30, 0.1), gaussian(r, 30, 0.1), gaussian(r, 300, 0.1), gaussian(r, 10, 0.1),
        40, 30, 10, 2);
    QuantizedUpdate.Result q = QuantizedUpdate.apply(base, trained, 1.0);
    var meta = OnnxLayout.of(q.onnx()).metadata();
    assertThat(meta.get(QuantizedUpdate.BASE_KEY)).isEqualTo(java.util.HexFormat.of().formatHex(DeltaCodec.sha256(base)));
    var steps = QuantizedUpdate.steps(meta);
    var layout = OnnxLayout.of(q.onnx());
    int i = 0;
    for (OnnxLayout.Span s : layout.tensors()) {
      if (steps.containsKey(s.name())) {
        float step = steps.get(s.name());
        float[] from = tensor(base, i);
        float[] to = tensor(q.onnx(), i);
        for (int j = 0; j < to.length; j++) {
          int k = QuantizedUpdate.quantize(to[j] - from[j], step);
          assertThat(QuantizedUpdate.rebuild(from[j], k, step)).isEqualTo(to[j]);
        }
      }
      i++;
    }
    assertThat(steps).isNotEmpty();
    assertThat(q.weights()).isEqualTo(40 * 30 + 30 + 300 + 10 + 1); // and the 1/255 scale constant
    assertThat(q.changed()).isPositive().isLessThanOrEqualTo(q.weights());
  }

  @Test
  void whatOneVersionLeavesOutTheNextOneSends() throws Exception {
    Random r = new Random(2);
    float[] w = gaussian(r, 64 * 32, 0.1);
    float[] goal = gaussian(r, 64 * 32, 0.1);
    byte[] published = mlp(w, new float[32], new float[320], new float[10], 64, 32, 10, 1);
    byte[] trained = mlp(goal, new float[32], new float[320], new float[10], 64, 32, 10, 2);
    double before = distance(weightsOf(published, goal.length), goal);
    double last = before;
    for (int round = 0; round < 8; round++) {
      published = QuantizedUpdate.apply(published, trained, 2.0).onnx();
      double now = distance(weightsOf(published, goal.length), goal);
      assertThat(now).isLessThan(last);
      last = now;
    }
    // with steps of 2 rms a round leaves about 0.7 of the distance (0.57 here): 0.7^8 = 0.06
    assertThat(last).isLessThan(before * 0.1);
  }

  @Test
  void refusesWhatIsNoModelAndStepScalesThatAreNotPositive() {
    byte[] m = mlp(new float[4], new float[2], new float[4], new float[2], 2, 2, 2, 1);
    assertThatThrownBy(() -> QuantizedUpdate.apply("junk".getBytes(), m, 1.0)).hasMessageContaining("published model");
    assertThatThrownBy(() -> QuantizedUpdate.apply(m, m, 0)).hasMessageContaining("positive");
    assertThatThrownBy(() -> QuantizedUpdate.apply(m, m, Double.NaN)).hasMessageContaining("positive");
  }
}
