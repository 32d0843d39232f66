package dev.distill.contract.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
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

  /** The reference checker of the ONNX project, where python3-onnx is installed. */
  @Test
  void theOnnxCheckerAcceptsTheModel(@TempDir Path dir) throws Exception {
    // Debian's python3-onnx lives with the system python, which may not be first on PATH
    String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    Process probe = new ProcessBuilder(python, "-c", "import onnx").redirectErrorStream(true).start();
    assumeTrue(probe.waitFor(60, TimeUnit.SECONDS) && probe.exitValue() == 0, "python3-onnx is not installed");
    int side = 4;
    OnnxGraph g = new OnnxGraph("checked");
    String x = g.reshape(g.scale(g.input("pixels", -1, side * side), 1 / 255f), -1, 1, side, side);
    x = g.flatten(g.averagePool(g.relu(g.conv(x, random(2 * 9), random(2), 1, 2, 3, 1, 1)), 2, 2));
    g.output(g.dense(x, random(3 * 8), random(3), 8, 3), "logits", -1, 3);
    Path file = dir.resolve("m.onnx");
    Files.write(file, new OnnxModel(g).metadata("k", "v").toBytes());
    Process p = new ProcessBuilder(python, "-c",
        "import onnx,sys; m=onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); print('ok')",
        file.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(out.trim()).as(out).isEqualTo("ok");
  }
}
