package dev.distill.contract.ota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.contract.onnx.OnnxGraph;
import dev.distill.contract.onnx.OnnxModel;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DeltaCodecTest {
  static byte[] mlp(float[] w1, float[] b1, float[] w2, float[] b2, int in, int hidden, int out, long version) {
    OnnxGraph g = new OnnxGraph("mlp");
    String x = g.input("pixels", -1, in);
    String h = g.relu(g.dense(g.scale(x, 1f / 255), w1, b1, in, hidden));
    g.output(g.dense(h, w2, b2, hidden, out), "logits", -1, out);
    return new OnnxModel(g).modelVersion(version).metadata("distill.version", Long.toString(version)).toBytes();
  }

  static float[] gaussian(Random r, int n, double scale) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (r.nextGaussian() * scale);
    }
    return a;
  }

  static float[] nudged(Random r, float[] a, double step) {
    float[] b = a.clone();
    for (int i = 0; i < b.length; i++) {
      b[i] += (float) (r.nextGaussian() * step);
    }
    return b;
  }

  @Test
  void aDeltaBetweenTwoNearbyVersionsRebuildsTheTargetExactlyAndIsSmallerThanIt() throws Exception {
    Random r = new Random(1);
    float[] w1 = gaussian(r, 784 * 64, 0.05);
    float[] b1 = gaussian(r, 64, 0.01);
    float[] w2 = gaussian(r, 64 * 10, 0.1);
    float[] b2 = gaussian(r, 10, 0.01);
    byte[] v1 = mlp(w1, b1, w2, b2, 784, 64, 10, 1);
    // a version number of more digits shifts every later byte: tensors are matched by name, not offset
    byte[] v2 = mlp(nudged(r, w1, 1e-4), nudged(r, b1, 1e-4), nudged(r, w2, 1e-4), b2, 784, 64, 10, 10);

    byte[] delta = DeltaCodec.encode(v1, v2);
    assertThat(DeltaCodec.decode(v1, delta, v2.length)).isEqualTo(v2);
    assertThat(DeltaCodec.baseSha256(delta)).hasSize(64);
    assertThat((double) delta.length / v2.length).isLessThan(0.8);
  }

  @Test
  void aDeltaIsRefusedForAnotherBaseOrAShorterExpectedTargetOrCorruption() {
    Random r = new Random(2);
    byte[] v1 = mlp(gaussian(r, 20, 1), gaussian(r, 5, 1), gaussian(r, 10, 1), gaussian(r, 2, 1), 4, 5, 2, 1);
    byte[] v2 = mlp(gaussian(r, 20, 1), gaussian(r, 5, 1), gaussian(r, 10, 1), gaussian(r, 2, 1), 4, 5, 2, 2);
    byte[] delta = DeltaCodec.encode(v1, v2);
    assertThatThrownBy(() -> DeltaCodec.decode(v2, delta, v2.length)).hasMessageContaining("another base");
    assertThatThrownBy(() -> DeltaCodec.decode(v1, delta, v2.length - 1)).hasMessageContaining("at most");
    byte[] corrupt = delta.clone();
    corrupt[corrupt.length - 5] ^= 0x55;
    assertThatThrownBy(() -> DeltaCodec.decode(v1, corrupt, v2.length)).isInstanceOf(DeltaCodec.DeltaException.class);
    assertThatThrownBy(() -> DeltaCodec.decode(v1, new byte[] {1, 2, 3}, 10)).hasMessageContaining("not a distill delta");
  }

  @Test
  void bytesThatAreNoOnnxModelStillRoundTrip() throws Exception {
    byte[] a = "not a model at all".getBytes();
    byte[] b = "not a model either".getBytes();
    assertThat(DeltaCodec.decode(a, DeltaCodec.encode(a, b), b.length)).isEqualTo(b);
  }
}
