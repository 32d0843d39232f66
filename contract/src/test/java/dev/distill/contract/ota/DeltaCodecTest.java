package dev.distill.contract.ota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.contract.onnx.OnnxGraph;
import dev.distill.contract.onnx.OnnxModel;
import com.github.luben.zstd.Zstd;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
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

  @Test
  void aQuantizedUpdateTravelsAsStepCountsAndRebuildsBitForBit() throws Exception {
    Random r = new Random(4);
    float[] w1 = gaussian(r, 784 * 64, 0.05);
    float[] w2 = gaussian(r, 64 * 10, 0.1);
    byte[] v1 = mlp(w1, gaussian(r, 64, 0.01), w2, gaussian(r, 10, 0.01), 784, 64, 10, 1);
    byte[] trained = mlp(nudged(r, w1, 1e-3), gaussian(r, 64, 0.01), nudged(r, w2, 1e-3), gaussian(r, 10, 0.01),
        784, 64, 10, 2);
    byte[] v2 = QuantizedUpdate.apply(v1, trained, 1.0).onnx();

    byte[] steps = DeltaCodec.encode(v1, v2);
    assertThat(DeltaCodec.decode(v1, steps, v2.length)).isEqualTo(v2);
    byte[] xorOnly = DeltaCodec.encode(v1, trained);
    // one small integer per weight instead of a float's changed bytes
    assertThat((double) steps.length / v2.length).isLessThan(0.12);
    assertThat(steps.length).isLessThan(xorOnly.length / 3);
  }

  /** A small model and a quantized update of it. */
  private static byte[][] quantizedPair(Random r) {
    float[] w1 = gaussian(r, 64 * 32, 0.05);
    byte[] v1 = mlp(w1, gaussian(r, 32, 0.01), gaussian(r, 320, 0.1), gaussian(r, 10, 0.01), 64, 32, 10, 1);
    byte[] v2 = QuantizedUpdate.apply(v1, mlp(nudged(r, w1, 1e-3), gaussian(r, 32, 0.01), gaussian(r, 320, 0.1),
        gaussian(r, 10, 0.01), 64, 32, 10, 2), 1.0).onnx();
    return new byte[][] {v1, v2};
  }

  @Test
  void fromAnotherAncestorAQuantizedUpdateTravelsAsXorAndStillRebuildsExactly() throws Exception {
    Random r = new Random(5);
    byte[][] pair = quantizedPair(r);
    byte[] v1 = pair[0];
    byte[] v2 = pair[1];
    byte[] v3 = QuantizedUpdate.apply(v2, mlp(gaussian(r, 64 * 32, 0.05), gaussian(r, 32, 0.01), gaussian(r, 320, 0.1),
        gaussian(r, 10, 0.01), 64, 32, 10, 3), 1.0).onnx();
    // v3's steps are from v2: a device on v1 gets XOR planes, which need no steps
    assertThat(DeltaCodec.decode(v1, DeltaCodec.encode(v1, v3), v3.length)).isEqualTo(v3);
  }

  @Test
  void stepsThatDoNotRebuildTheTargetAreNotUsedAndTheDeltaStaysExact() throws Exception {
    Random r = new Random(6);
    byte[][] pair = quantizedPair(r);
    byte[] v1 = pair[0];
    byte[] v2 = pair[1];
    // the same weights claimed with a step twice as large: most weights are no whole number of those
    String claimed = new String(v2, StandardCharsets.ISO_8859_1);
    int at = claimed.indexOf(QuantizedUpdate.STEPS_KEY);
    assertThat(at).isPositive();
    byte[] forged = v2.clone();
    int hex = at + QuantizedUpdate.STEPS_KEY.length() + 2; // the key, then the value's tag and length
    float step = Float.intBitsToFloat(Integer.parseUnsignedInt(claimed.substring(hex, hex + 8), 16));
    byte[] twice = String.format("%08x", Float.floatToRawIntBits(step * 2)).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(twice, 0, forged, hex, 8);
    byte[] delta = DeltaCodec.encode(v1, forged);
    assertThat(DeltaCodec.decode(v1, delta, forged.length)).isEqualTo(forged);
    // the claimed steps were not used: the tensors went as XOR, several times the honest delta
    assertThat(delta.length).isGreaterThan(3 * DeltaCodec.encode(v1, v2).length);
  }

  @Test
  void aDeltaWhoseModeBytesWereTamperedWithIsRefused() throws Exception {
    Random r = new Random(7);
    byte[][] pair = quantizedPair(r);
    byte[] v1 = pair[0];
    byte[] v2 = pair[1];
    byte[] delta = DeltaCodec.encode(v1, v2);
    byte[] body = Zstd.decompress(java.util.Arrays.copyOfRange(delta, 80, delta.length), v2.length * 2);
    for (byte mode : new byte[] {0, 1, 2, 7}) {
      byte[] changed = body.clone();
      int first = 4;
      if (changed[first] == mode) {
        continue;
      }
      changed[first] = mode;
      byte[] frame = Zstd.compress(changed, 3);
      byte[] tampered = ByteBuffer.allocate(80 + frame.length).put(delta, 0, 80).put(frame).array();
      assertThatThrownBy(() -> DeltaCodec.decode(v1, tampered, v2.length))
          .isInstanceOf(DeltaCodec.DeltaException.class);
    }
  }

  @Test
  void aFirstFormatDeltaStillDecodes() throws Exception {
    byte[] base = "an older artifact".getBytes(StandardCharsets.US_ASCII);
    byte[] target = "the artifact a device wants".getBytes(StandardCharsets.US_ASCII);
    byte[] frame = Zstd.compress(target, 3); // no tensors: the v1 body is the target as it is
    byte[] v1 = ByteBuffer.allocate(80 + frame.length).put("DSDELTA1".getBytes(StandardCharsets.US_ASCII))
        .put(DeltaCodec.sha256(base)).put(DeltaCodec.sha256(target)).putLong(target.length).put(frame).array();
    assertThat(DeltaCodec.decode(base, v1, target.length)).isEqualTo(target);
  }

  /** Four versions of a quantized-update lineage of a 784-64-10 network, each moved a little. */
  private static List<byte[]> qdeltaLineage(Random r) {
    float[] w1 = gaussian(r, 784 * 64, 0.05);
    float[] w2 = gaussian(r, 64 * 10, 0.1);
    List<byte[]> out = new java.util.ArrayList<>();
    out.add(mlp(w1, new float[64], w2, new float[10], 784, 64, 10, 1));
    for (int v = 2; v <= 4; v++) {
      w1 = nudged(r, w1, 1e-3);
      out.add(QuantizedUpdate.apply(out.get(out.size() - 1), mlp(w1, new float[64], w2, new float[10], 784, 64, 10, v),
          1.0).onnx());
    }
    return out;
  }

  @Test
  void aDeviceVersionsBehindGetsAChainOfStepDeltasSmallerThanOneDeltaAndExact() throws Exception {
    List<byte[]> v = qdeltaLineage(new Random(9));
    byte[] direct = DeltaCodec.encode(v.get(0), v.get(3));
    byte[] best = DeltaCodec.encode(v);

    assertThat(new String(best, 0, 8, StandardCharsets.US_ASCII)).isEqualTo("DSCHAIN1");
    assertThat(best.length).isLessThan(direct.length / 2);
    assertThat(DeltaCodec.decode(v.get(0), best, v.get(3).length)).isEqualTo(v.get(3));
    assertThat(DeltaCodec.baseSha256(best)).isEqualTo(DeltaCodec.baseSha256(direct));
  }

  @Test
  void whereAChainIsNoSmallerTheDirectDeltaIsSent() throws Exception {
    Random r = new Random(10);
    float[] w = gaussian(r, 64 * 32, 0.05);
    List<byte[]> path = List.of(
        mlp(w, new float[32], new float[320], new float[10], 64, 32, 10, 1),
        mlp(nudged(r, w, 1e-2), new float[32], new float[320], new float[10], 64, 32, 10, 2),
        mlp(nudged(r, w, 2e-2), new float[32], new float[320], new float[10], 64, 32, 10, 3));
    // plain versions: every hop is an XOR delta as large as the direct one
    assertThat(DeltaCodec.encode(path)).isEqualTo(DeltaCodec.encode(path.get(0), path.get(2)));
  }

  @Test
  void aChainWithATamperedHopOrAnotherBaseOrNestingIsRefused() throws Exception {
    List<byte[]> v = qdeltaLineage(new Random(11));
    byte[] chain = DeltaCodec.encode(v);
    byte[] tampered = chain.clone();
    tampered[tampered.length - 7] ^= 0x10;
    assertThatThrownBy(() -> DeltaCodec.decode(v.get(0), tampered, v.get(3).length))
        .isInstanceOf(DeltaCodec.DeltaException.class);
    assertThatThrownBy(() -> DeltaCodec.decode(v.get(1), chain, v.get(3).length)).hasMessageContaining("another base");
    assertThatThrownBy(() -> DeltaCodec.decode(v.get(0), chain, v.get(3).length - 1)).hasMessageContaining("at most");
    // a chain whose first hop is itself a chain
    byte[] inner = DeltaCodec.encode(v.subList(0, 3));
    byte[] last = DeltaCodec.encode(v.get(2), v.get(3));
    byte[] nested = ByteBuffer.allocate(84 + 8 + inner.length + last.length).put("DSCHAIN1".getBytes(StandardCharsets.US_ASCII))
        .put(DeltaCodec.sha256(v.get(0))).put(DeltaCodec.sha256(v.get(3))).putLong(v.get(3).length).putInt(2)
        .putInt(inner.length).put(inner).putInt(last.length).put(last).array();
    assertThatThrownBy(() -> DeltaCodec.decode(v.get(0), nested, v.get(3).length)).hasMessageContaining("chain inside");
  }
}
