package dev.distill.contract.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.distill.contract.model.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Graphs written by {@link OnnxGraph} run in the real ONNX Runtime and compute what a plain
 * Java forward pass (written here, loop by loop) computes.
 */
class OnnxGraphTest {
  private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();
  private final Random rnd = new Random(3);

  private float[] random(int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) rnd.nextGaussian() * 0.5f;
    }
    return a;
  }

  private static float[][] run(byte[] model, float[] input, long... shape) throws Exception {
    try (OrtSession s = ENV.createSession(model, new OrtSession.SessionOptions());
        OnnxTensor x = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(input), shape);
        OrtSession.Result r = s.run(Map.of("pixels", x))) {
      return (float[][]) r.get(0).getValue();
    }
  }

  // reference implementations: y = W x + b with W [out, in]; conv with zero padding
  static float[] dense(float[] x, float[] w, float[] b, int in, int out) {
    float[] y = new float[out];
    for (int o = 0; o < out; o++) {
      double s = b[o];
      for (int i = 0; i < in; i++) {
        s += w[o * in + i] * x[i];
      }
      y[o] = (float) s;
    }
    return y;
  }

  static float[] relu(float[] x) {
    float[] y = x.clone();
    for (int i = 0; i < y.length; i++) {
      y[i] = Math.max(0, y[i]);
    }
    return y;
  }

  static float[] conv(float[] x, float[] w, float[] b, int inC, int outC, int h, int wd, int k, int pad) {
    float[] y = new float[outC * h * wd];
    for (int o = 0; o < outC; o++) {
      for (int r = 0; r < h; r++) {
        for (int c = 0; c < wd; c++) {
          double s = b[o];
          for (int i = 0; i < inC; i++) {
            for (int kr = 0; kr < k; kr++) {
              for (int kc = 0; kc < k; kc++) {
                int rr = r + kr - pad;
                int cc = c + kc - pad;
                if (rr >= 0 && rr < h && cc >= 0 && cc < wd) {
                  s += w[((o * inC + i) * k + kr) * k + kc] * x[(i * h + rr) * wd + cc];
                }
              }
            }
          }
          y[(o * h + r) * wd + c] = (float) s;
        }
      }
    }
    return y;
  }

  static float[] maxPool2(float[] x, int ch, int h, int w) {
    float[] y = new float[ch * (h / 2) * (w / 2)];
    for (int c = 0; c < ch; c++) {
      for (int r = 0; r < h / 2; r++) {
        for (int q = 0; q < w / 2; q++) {
          float m = Float.NEGATIVE_INFINITY;
          for (int dr = 0; dr < 2; dr++) {
            for (int dq = 0; dq < 2; dq++) {
              m = Math.max(m, x[(c * h + 2 * r + dr) * w + 2 * q + dq]);
            }
          }
          y[(c * (h / 2) + r) * (w / 2) + q] = m;
        }
      }
    }
    return y;
  }

  @Test
  void anMlpComputesScaledDenseReluDense() throws Exception {
    float[] w1 = random(3 * 4), b1 = random(3), w2 = random(2 * 3), b2 = random(2);
    OnnxGraph g = new OnnxGraph("mlp");
    String x = g.input("pixels", -1, 4);
    x = g.scale(x, 1 / 255f);
    x = g.relu(g.dense(x, w1, b1, 4, 3));
    g.output(g.dense(x, w2, b2, 3, 2), "logits", -1, 2);
    byte[] model = new OnnxModel(g).toBytes();

    float[] in = {0, 51, 255, 128, 10, 20, 30, 40};
    float[][] got = run(model, in, 2, 4);
    for (int n = 0; n < 2; n++) {
      float[] xs = new float[4];
      for (int i = 0; i < 4; i++) {
        xs[i] = in[n * 4 + i] / 255f;
      }
      float[] want = dense(relu(dense(xs, w1, b1, 4, 3)), w2, b2, 3, 2);
      assertThat(got[n][0]).isCloseTo(want[0], within(1e-5f));
      assertThat(got[n][1]).isCloseTo(want[1], within(1e-5f));
    }
  }

  @Test
  void aCnnComputesConvReluPoolFlattenDense() throws Exception {
    int side = 6, ch = 3, classes = 4;
    float[] wc = random(ch * 1 * 3 * 3), bc = random(ch);
    int flat = ch * (side / 2) * (side / 2);
    float[] wd = random(classes * flat), bd = random(classes);
    OnnxGraph g = new OnnxGraph("cnn");
    String x = g.input("pixels", -1, side * side);
    x = g.reshape(x, -1, 1, side, side);
    x = g.maxPool(g.relu(g.conv(x, wc, bc, 1, ch, 3, 1, 1)), 2, 2);
    x = g.flatten(x);
    g.output(g.dense(x, wd, bd, flat, classes), "logits", -1, classes);
    byte[] model = new OnnxModel(g).metadata("distill.teacher_id", "t").toBytes();

    float[] in = random(side * side);
    float[][] got = run(model, in, 1, side * side);
    float[] want = dense(maxPool2(relu(conv(in, wc, bc, 1, ch, side, side, 3, 1)), ch, side, side), wd, bd, flat, classes);
    for (int c = 0; c < classes; c++) {
      assertThat(got[0][c]).isCloseTo(want[c], within(1e-5f));
    }
  }

  @Test
  void provenanceIsReadableAsCustomMetadata() throws Exception {
    OnnxGraph g = new OnnxGraph("m");
    g.output(g.relu(g.input("pixels", -1, 2)), "logits", -1, 2);
    byte[] model = new OnnxModel(g).producer("distill", "1.2").modelVersion(7)
        .metadata("distill.teacher_id", "mnist-cnn").metadata("distill.temperature", "20").toBytes();
    try (OrtSession s = ENV.createSession(model, new OrtSession.SessionOptions())) {
      assertThat(s.getMetadata().getProducerName()).isEqualTo("distill");
      assertThat(s.getMetadata().getVersion()).isEqualTo(7);
      assertThat(s.getMetadata().getCustomMetadata())
          .containsEntry("distill.teacher_id", "mnist-cnn").containsEntry("distill.temperature", "20");
    }
  }

  @Test
  void wrongWeightSizesAreRefused() {
    OnnxGraph g = new OnnxGraph("bad");
    String x = g.input("pixels", -1, 4);
    assertThatThrownBy(() -> g.dense(x, new float[11], new float[3], 4, 3))
        .hasMessage("dense weight has 11 values, expected 4x3");
  }

  /** uint8 {@code [N, 2, 2, 2]} cast, scaled, normalised per channel, batch-normalised, flattened. */
  private byte[] preprocessingGraph(float[] gamma, float[] beta, float[] mean, float[] var) {
    OnnxGraph g = new OnnxGraph("pre");
    String x = g.castToFloat(g.input(TensorSpec.parse("image=uint8[N,2,2,2]")));
    x = g.div(g.sub(g.mul(x, new float[] {1 / 255f}), new float[] {0.5f, 0.25f}, 2, 1, 1), new float[] {0.2f, 0.4f}, 2, 1, 1);
    g.output(g.flatten(g.batchNorm(x, gamma, beta, mean, var, 1e-5f)), "logits", -1, 8);
    return new OnnxModel(g).toBytes();
  }

  @Test
  void rawBytesArePreprocessedPerChannelAndBatchNormalised() throws Exception {
    float[] gamma = {1.5f, 0.5f}, beta = {0.1f, -0.2f}, mean = {0.3f, -0.1f}, var = {2f, 0.5f};
    byte[] model = preprocessingGraph(gamma, beta, mean, var);
    byte[] in = {0, 10, (byte) 200, (byte) 255, 7, 8, 9, (byte) 128};
    float[][] got;
    try (OrtSession s = ENV.createSession(model, new OrtSession.SessionOptions());
        OnnxTensor x = OnnxTensor.createTensor(ENV, ByteBuffer.wrap(in), new long[] {1, 2, 2, 2}, OnnxJavaType.UINT8);
        OrtSession.Result r = s.run(Map.of("image", x))) {
      got = (float[][]) r.get(0).getValue();
    }
    float[] m = {0.5f, 0.25f}, sd = {0.2f, 0.4f};
    for (int i = 0; i < 8; i++) {
      int c = i / 4;
      float v = ((in[i] & 0xff) / 255f - m[c]) / sd[c];
      float want = (float) (gamma[c] * (v - mean[c]) / Math.sqrt(var[c] + 1e-5) + beta[c]);
      assertThat(got[0][i]).isCloseTo(want, within(1e-5f));
    }
  }

  /**
   * int64 ids {@code [N, seq]} (and a mask, or ids above 0 when there is none) to the mean of the
   * looked-up rows of a {@code [vocab, dim]} table over the masked-in positions.
   */
  private static byte[] embeddingBagGraph(float[] table, int vocab, int dim, boolean withMask) {
    OnnxGraph g = new OnnxGraph("bag");
    String ids = g.input(TensorSpec.parse("input_ids=int64[N,seq]"));
    String mask = withMask ? g.castToFloat(g.input(TensorSpec.parse("attention_mask=int64[N,seq]")))
        : g.castToFloat(g.greater(ids, 0));
    String emb = g.gather(table, vocab, dim, g.clip(ids, 0, vocab - 1));
    String sum = g.reduceSum(g.mul(emb, g.unsqueeze(mask, 2)), false, 1);
    g.output(g.div(sum, g.max(g.reduceSum(mask, true, 1), 1f)), "logits", -1, dim);
    return new OnnxModel(g).toBytes();
  }

  private static float[][] runIds(byte[] model, long[] ids, long[] mask, int rows) throws Exception {
    long[] shape = {rows, ids.length / rows};
    try (OrtSession s = ENV.createSession(model, new OrtSession.SessionOptions());
        OnnxTensor i = OnnxTensor.createTensor(ENV, LongBuffer.wrap(ids), shape);
        OnnxTensor m = OnnxTensor.createTensor(ENV, LongBuffer.wrap(mask == null ? ids : mask), shape);
        OrtSession.Result r = s.run(mask == null ? Map.of("input_ids", i) : Map.of("input_ids", i, "attention_mask", m))) {
      return (float[][]) r.get(0).getValue();
    }
  }

  @Test
  void anEmbeddingBagAveragesTheRowsOfTheMaskedInIds() throws Exception {
    int vocab = 5, dim = 3;
    float[] table = random(vocab * dim);
    long[] ids = {1, 4, 9, 0, /* row 2: all padding */ 0, 0, 0, 0};
    long[] mask = {1, 1, 1, 0, 0, 0, 0, 0};
    float[][] got = runIds(embeddingBagGraph(table, vocab, dim, true), ids, mask, 2);
    for (int d = 0; d < dim; d++) {
      // id 9 is clamped to the last row, 4
      float want = (table[dim + d] + table[4 * dim + d] + table[4 * dim + d]) / 3;
      assertThat(got[0][d]).isCloseTo(want, within(1e-6f));
      assertThat(got[1][d]).as("no real token: a zero vector, not NaN").isEqualTo(0f);
    }
    float[][] maskless = runIds(embeddingBagGraph(table, vocab, dim, false), ids, null, 2);
    assertThat(maskless[0]).containsExactly(got[0], within(1e-6f));
  }

  /** The reference checker of the ONNX project, where python3-onnx is installed. */
  static void assertCheckerAccepts(Path dir, byte[] model) throws Exception {
    // Debian's python3-onnx lives with the system python, which may not be first on PATH
    String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    Process probe = new ProcessBuilder(python, "-c", "import onnx").redirectErrorStream(true).start();
    assumeTrue(probe.waitFor(60, TimeUnit.SECONDS) && probe.exitValue() == 0, "python3-onnx is not installed");
    Path file = Files.createTempFile(dir, "m", ".onnx");
    Files.write(file, model);
    Process p = new ProcessBuilder(python, "-c",
        "import onnx,sys; m=onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); print('ok')",
        file.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(out.trim()).as(out).isEqualTo("ok");
  }

  @Test
  void theOnnxCheckerAcceptsPreprocessingBatchNormAndTheEmbeddingBag(@TempDir Path dir) throws Exception {
    assertCheckerAccepts(dir, preprocessingGraph(random(2), random(2), random(2), new float[] {1, 2}));
    assertCheckerAccepts(dir, embeddingBagGraph(random(15), 5, 3, true));
    assertCheckerAccepts(dir, embeddingBagGraph(random(15), 5, 3, false));
  }

  @Test
  void theOnnxCheckerAcceptsTheModel(@TempDir Path dir) throws Exception {
    int side = 4;
    OnnxGraph g = new OnnxGraph("checked");
    String x = g.reshape(g.scale(g.input("pixels", -1, side * side), 1 / 255f), -1, 1, side, side);
    x = g.flatten(g.averagePool(g.relu(g.conv(x, random(2 * 9), random(2), 1, 2, 3, 1, 1)), 2, 2));
    g.output(g.dense(x, random(3 * 8), random(3), 8, 3), "logits", -1, 3);
    assertCheckerAccepts(dir, new OnnxModel(g).metadata("k", "v").toBytes());
  }
}
