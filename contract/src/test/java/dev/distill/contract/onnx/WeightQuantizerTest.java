package dev.distill.contract.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.platform.Fp16Conversions;
import dev.distill.contract.model.TensorSpec;
import dev.distill.contract.model.Variant;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Quantized variants run in the real ONNX Runtime, are the promised fraction of the fp32 size,
 * and compute what the fp32 model computes within the error their weight precision allows.
 */
class WeightQuantizerTest {
  private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();
  private static final int SAMPLES = 200;
  private final Random rnd = new Random(11);

  /** Weights as a trained ReLU net has them (He initialisation): normal with variance 2/in. */
  private float[] he(int out, int in) {
    float[] w = new float[out * in];
    double sd = Math.sqrt(2.0 / in);
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (rnd.nextGaussian() * sd);
    }
    return w;
  }

  private float[] small(int n) {
    float[] b = new float[n];
    for (int i = 0; i < n; i++) {
      b[i] = (float) rnd.nextGaussian() * 0.05f;
    }
    return b;
  }

  /** Pixel-like inputs in [0, 1). */
  private float[] pixels(int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = rnd.nextFloat();
    }
    return x;
  }

  private static float[][] runBatch(byte[] model, float[][] xs) throws Exception {
    return runBatch(model, xs, "logits");
  }

  /** Output {@code output} for a batch {@code xs} fed as input {@code pixels}, one row a sample. */
  private static float[][] runBatch(byte[] model, float[][] xs, String output) throws Exception {
    int f = xs[0].length;
    float[] flat = new float[xs.length * f];
    for (int n = 0; n < xs.length; n++) {
      System.arraycopy(xs[n], 0, flat, n * f, f);
    }
    try (OrtSession s = ENV.createSession(model, new OrtSession.SessionOptions());
        OnnxTensor t = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(flat), new long[] {xs.length, f});
        OrtSession.Result r = s.run(Map.of("pixels", t))) {
      return (float[][]) r.get(output).orElseThrow().getValue();
    }
  }

  private static int argmax(float[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }

  private static float maxAbs(float[] v, int from, int to) {
    float m = 0;
    for (int i = from; i < to; i++) {
      m = Math.max(m, Math.abs(v[i]));
    }
    return m;
  }

  /** The int8 step of each row of a {@code [rows, cols]} weight, as the quantizer chooses it. */
  private static float[] rowSteps(float[] w, int rows, int cols) {
    float[] s = new float[rows];
    for (int r = 0; r < rows; r++) {
      s[r] = maxAbs(w, r * cols, (r + 1) * cols) / 127f;
    }
    return s;
  }

  // --- the dense model: [N, 784] -> 256 -> relu -> 10, the hidden layer exposed to bound the error

  private final float[] w1 = he(256, 784);
  private final float[] b1 = small(256);
  private final float[] w2 = he(10, 256);
  private final float[] b2 = small(10);

  private byte[] denseModel() {
    OnnxGraph g = new OnnxGraph("mlp");
    String x = g.input("pixels", -1, 784);
    String h = g.relu(g.dense(x, w1, b1, 784, 256));
    g.output(g.dense(h, w2, b2, 256, 10), "logits", -1, 10);
    g.output(h, "hidden", -1, 256);
    return new OnnxModel(g).metadata("distill.teacher_id", "mnist-cnn").toBytes();
  }

  @Test
  void fp16HalvesTheDenseModelAndKeepsItsLogitsToHalfPrecision() throws Exception {
    byte[] fp32 = denseModel();
    byte[] fp16 = WeightQuantizer.quantize(fp32, Variant.FP16);
    assertThat((double) fp16.length).isLessThanOrEqualTo(0.55 * fp32.length);

    float[][] xs = new float[SAMPLES][];
    for (int n = 0; n < SAMPLES; n++) {
      xs[n] = pixels(784);
    }
    float[][] want = runBatch(fp32, xs);
    float[][] got = runBatch(fp16, xs);
    double worst = 0;
    for (int n = 0; n < SAMPLES; n++) {
      float range = maxAbs(want[n], 0, 10);
      for (int k = 0; k < 10; k++) {
        worst = Math.max(worst, Math.abs(got[n][k] - want[n][k]) / range);
      }
      assertThat(argmax(got[n])).isEqualTo(argmax(want[n]));
    }
    // each weight is off by at most 2^-11 of itself; summed over hundreds of terms of both signs
    // the logits move by far less than 1% of their range
    System.out.printf("fp16: %d of %d bytes (%.3f), worst logit error %.2e of the logit range%n",
        fp16.length, fp32.length, (double) fp16.length / fp32.length, worst);
    assertThat(worst).isLessThan(5e-3);
  }

  @Test
  void int8QuartersTheDenseModelAndMovesItsLogitsOnlyByTheRoundingOfItsWeights() throws Exception {
    byte[] fp32 = denseModel();
    byte[] int8 = WeightQuantizer.quantize(fp32, Variant.INT8);
    assertThat((double) int8.length).isLessThanOrEqualTo(0.30 * fp32.length);

    float[] s1 = rowSteps(w1, 256, 784);
    float[] s2 = rowSteps(w2, 10, 256);
    float[][] xs = new float[SAMPLES][];
    for (int n = 0; n < SAMPLES; n++) {
      xs[n] = pixels(784);
    }
    float[][] logits = runBatch(fp32, xs);
    float[][] hidden = runBatch(fp32, xs, "hidden");
    float[][] quantized = runBatch(int8, xs);
    int agree = 0;
    double worstError = 0;
    double worstSigmas = 0;
    for (int n = 0; n < SAMPLES; n++) {
      float[] x = xs[n];
      float[] y = logits[n];
      float[] h = hidden[n];
      float[] got = quantized[n];
      agree += argmax(got) == argmax(y) ? 1 : 0;
      // Rounding leaves each weight off by an independent error, uniform within +-step/2 (variance
      // step^2/12). A logit sums hundreds of them, so its error is near normal with variance: the
      // hidden errors (row j: |x|^2 s1_j^2/12) carried through W2 where the unit is active, plus
      // the output row's own (|h|^2 s2_k^2/12). Six standard deviations do not happen by chance.
      double xx = 0;
      for (float v : x) {
        xx += v * v;
      }
      double hh = 0;
      for (float v : h) {
        hh += v * v;
      }
      for (int k = 0; k < 10; k++) {
        double var = hh * s2[k] * s2[k] / 12;
        for (int j = 0; j < 256; j++) {
          if (h[j] > 0) {
            var += (double) w2[k * 256 + j] * w2[k * 256 + j] * xx * s1[j] * s1[j] / 12;
          }
        }
        double error = Math.abs(got[k] - y[k]);
        worstError = Math.max(worstError, error);
        worstSigmas = Math.max(worstSigmas, error / Math.sqrt(var));
        assertThat(error).as("sample %d logit %d", n, k).isLessThanOrEqualTo(6 * Math.sqrt(var) + 1e-4);
      }
    }
    System.out.printf("int8: %d of %d bytes (%.3f), argmax agrees on %d of %d, worst logit error %.4f (%.1f sd)%n",
        int8.length, fp32.length, (double) int8.length / fp32.length, agree, SAMPLES, worstError, worstSigmas);
    assertThat(agree).isGreaterThanOrEqualTo((int) Math.ceil(0.97 * SAMPLES));
  }

  @Test
  void aConvolutionModelRunsInEveryVariantWithTheSameArgmax() throws Exception {
    int side = 12;
    OnnxGraph g = new OnnxGraph("cnn");
    String x = g.reshape(g.input("pixels", -1, side * side), -1, 1, side, side);
    x = g.relu(g.conv(x, he(8, 9), small(8), 1, 8, 3, 1, 1)); // [8,1,3,3]: 72 weights, too few for int8
    x = g.relu(g.conv(x, he(16, 72), small(16), 8, 16, 3, 1, 1)); // [16,8,3,3]: 1152, per output channel
    x = g.flatten(g.maxPool(x, 2, 2));
    int flat = 16 * (side / 2) * (side / 2);
    g.output(g.dense(x, he(10, flat), small(10), flat, 10), "logits", -1, 10);
    byte[] fp32 = new OnnxModel(g).toBytes();

    float[][] xs = new float[SAMPLES][];
    for (int n = 0; n < SAMPLES; n++) {
      xs[n] = pixels(side * side);
    }
    float[][] want = runBatch(fp32, xs);
    for (Variant v : List.of(Variant.FP16, Variant.INT8)) {
      byte[] model = WeightQuantizer.quantize(fp32, v);
      float[][] got = runBatch(model, xs);
      int agree = 0;
      for (int n = 0; n < SAMPLES; n++) {
        agree += argmax(got[n]) == argmax(want[n]) ? 1 : 0;
      }
      System.out.printf("cnn %s: %d of %d bytes (%.3f), argmax agrees on %d of %d%n",
          v.id(), model.length, fp32.length, (double) model.length / fp32.length, agree, SAMPLES);
      assertThat(agree).as(v.id()).isGreaterThanOrEqualTo((int) Math.ceil(0.95 * SAMPLES));
    }

    List<OnnxMl.TensorProto> initializers =
        OnnxMl.ModelProto.parseFrom(WeightQuantizer.quantize(fp32, Variant.INT8)).getGraph().getInitializerList();
    assertThat(initializers).filteredOn(t -> t.getDataType() == OnnxMl.TensorProto.DataType.INT8_VALUE
            && t.getName().endsWith(".q")).extracting(OnnxMl.TensorProto::getDimsList)
        .as("second conv and dense quantized").containsExactlyInAnyOrder(List.of(16L, 8L, 3L, 3L), List.of(10L, (long) flat));
    assertThat(initializers).filteredOn(t -> t.getDataType() == OnnxMl.TensorProto.DataType.FLOAT_VALUE)
        .extracting(OnnxMl.TensorProto::getDimsList).as("first conv too small to quantize")
        .contains(List.of(8L, 1L, 3L, 3L));
  }

  @Test
  void anEmbeddingTableIsQuantizedPerRowAndLooksUpWithinHalfAStep() throws Exception {
    int vocab = 50, dim = 16, seq = 4;
    float[] table = new float[vocab * dim];
    for (int r = 0; r < vocab; r++) {
      float rowScale = (r + 1) / 10f; // rows of very different ranges: one scale would not do
      for (int d = 0; d < dim; d++) {
        table[r * dim + d] = (float) rnd.nextGaussian() * rowScale;
      }
    }
    OnnxGraph g = new OnnxGraph("bag");
    String ids = g.input(TensorSpec.parse("input_ids=int64[N,seq]"));
    g.output(g.reduceSum(g.gather(table, vocab, dim, g.clip(ids, 0, vocab - 1)), false, 1), "logits", -1, dim);
    byte[] fp32 = new OnnxModel(g).toBytes();
    byte[] int8 = WeightQuantizer.quantize(fp32, Variant.INT8);
    float[] step = rowSteps(table, vocab, dim);

    long[] batch = new long[SAMPLES * seq];
    for (int i = 0; i < batch.length; i++) {
      batch[i] = rnd.nextInt(vocab);
    }
    float[][] want = runIds(fp32, batch, seq);
    float[][] got = runIds(int8, batch, seq);
    for (int n = 0; n < SAMPLES; n++) {
      double bound = 1e-5;
      for (int p = 0; p < seq; p++) {
        bound += step[(int) batch[n * seq + p]] / 2;
      }
      for (int d = 0; d < dim; d++) {
        assertThat((double) Math.abs(got[n][d] - want[n][d])).isLessThanOrEqualTo(bound);
      }
    }
  }

  private static float[][] runIds(byte[] model, long[] ids, int seq) throws Exception {
    try (OrtSession s = ENV.createSession(model, new OrtSession.SessionOptions());
        OnnxTensor t = OnnxTensor.createTensor(ENV, LongBuffer.wrap(ids), new long[] {ids.length / seq, seq});
        OrtSession.Result r = s.run(Map.of("input_ids", t))) {
      return (float[][]) r.get(0).getValue();
    }
  }

  /**
   * What older exporters write: weights as float_data, listed among the graph's inputs too, and a
   * MatMul with the weight {@code [in, out]}.
   */
  private byte[] floatDataModel(float[] w, int in, int out, long opset) {
    OnnxMl.TensorProto.Builder weight = OnnxMl.TensorProto.newBuilder().setName("W")
        .setDataType(OnnxMl.TensorProto.DataType.FLOAT_VALUE).addDims(in).addDims(out);
    for (float v : w) {
      weight.addFloatData(v);
    }
    OnnxMl.GraphProto graph = OnnxMl.GraphProto.newBuilder().setName("old")
        .addNode(OnnxMl.NodeProto.newBuilder().setOpType("MatMul").addInput("pixels").addInput("W").addOutput("logits"))
        .addInitializer(weight)
        .addInput(floatInput("pixels", -1, in)).addInput(floatInput("W", in, out))
        .addOutput(floatInput("logits", -1, out)).build();
    return OnnxMl.ModelProto.newBuilder().setIrVersion(7).setProducerName("old-exporter").setGraph(graph)
        .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
        .build().toByteArray();
  }

  private static OnnxMl.ValueInfoProto floatInput(String name, long... dims) {
    OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
    for (long d : dims) {
      shape.addDim(d < 0 ? OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("N")
          : OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder()
        .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(1).setShape(shape))).build();
  }

  @Test
  void floatDataWeightsListedAsInputsAreQuantizedAndNoLongerInputs() throws Exception {
    int in = 32, out = 16;
    float[] w = he(out, in); // stored [in, out]: axis 0 is the input, so an int8 step per input
    byte[] fp32 = floatDataModel(w, in, out, 13);
    float[][] x = {pixels(in)};
    float[] want = runBatch(fp32, x)[0];
    float[] step = rowSteps(w, in, out);
    for (Variant v : List.of(Variant.FP16, Variant.INT8)) {
      byte[] model = WeightQuantizer.quantize(fp32, v);
      assertThat(OnnxMl.ModelProto.parseFrom(model).getGraph().getInputList())
          .extracting(OnnxMl.ValueInfoProto::getName).containsExactly("pixels");
      float[] got = runBatch(model, x)[0];
      for (int k = 0; k < out; k++) {
        // worst case: every weight off by the most its format allows, all errors of one sign
        double bound = 1e-5;
        for (int i = 0; i < in; i++) {
          bound += Math.abs(x[0][i]) * (v == Variant.INT8 ? step[i] / 2 : Math.abs(w[i * out + k]) * 0x1p-11);
        }
        assertThat((double) Math.abs(got[k] - want[k])).as(v.id()).isLessThanOrEqualTo(bound);
      }
    }
  }

  @Test
  void theOnnxCheckerAcceptsBothVariants(@TempDir Path dir) throws Exception {
    byte[] fp32 = denseModel();
    OnnxGraphTest.assertCheckerAccepts(dir, WeightQuantizer.quantize(fp32, Variant.FP16));
    OnnxGraphTest.assertCheckerAccepts(dir, WeightQuantizer.quantize(fp32, Variant.INT8));
  }

  @Test
  void theSameModelQuantizesToTheSameBytes() {
    byte[] fp32 = denseModel();
    for (Variant v : List.of(Variant.FP16, Variant.INT8)) {
      assertThat(WeightQuantizer.quantize(fp32, v)).as(v.id()).isEqualTo(WeightQuantizer.quantize(fp32, v));
    }
  }

  @Test
  void theVariantIsRecordedAndTheRestOfTheProvenanceKept() {
    OnnxGraph g = new OnnxGraph("m");
    g.output(g.dense(g.input("pixels", -1, 64), he(8, 64), small(8), 64, 8), "logits", -1, 8);
    byte[] fp32 = new OnnxModel(g).producer("distill", "1.2").metadata("distill.teacher_id", "mnist-cnn")
        .metadata(WeightQuantizer.VARIANT_KEY, "fp32").metadata("distill.temperature", "20").toBytes();
    OnnxGraphReader.Description before = OnnxGraphReader.read(fp32);

    OnnxGraphReader.Description after = OnnxGraphReader.read(WeightQuantizer.quantize(fp32, Variant.INT8));
    assertThat(after.metadata()).containsExactly(Map.entry("distill.teacher_id", "mnist-cnn"),
        Map.entry(WeightQuantizer.VARIANT_KEY, "int8"), Map.entry("distill.temperature", "20"));
    assertThat(after.producer()).isEqualTo("distill 1.2");
    assertThat(after.opsets()).isEqualTo(before.opsets());
    assertThat(after.inputs()).isEqualTo(before.inputs());
    assertThat(after.outputs()).isEqualTo(before.outputs());
  }

  @Test
  void whatIsNotAQuantizableModelIsRefusedWithTheReason() {
    byte[] model = denseModel();
    assertThatThrownBy(() -> WeightQuantizer.quantize(new byte[] {1, 2, 3, 4, 5}, Variant.INT8))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("not an ONNX model (5 bytes)");
    assertThatThrownBy(() -> WeightQuantizer.quantize(model, Variant.FP32))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fp32 is not a quantization");
    assertThatThrownBy(() -> WeightQuantizer.quantize(model, Variant.QDELTA))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("qdelta is not a quantization");
    assertThatThrownBy(() -> WeightQuantizer.quantize(floatDataModel(he(16, 16), 16, 16, 12), Variant.FP16))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("opset is 12").hasMessageContaining("needs opset 13");
  }

  // --- float to half

  private static float fromHalf(int h) {
    return Fp16Conversions.fp16ToFloat((short) h);
  }

  @Test
  void halfConversionRoundsToNearestEvenAndClampsOverflow() {
    assertThat(WeightQuantizer.toHalf(0f)).isEqualTo((short) 0x0000);
    assertThat(WeightQuantizer.toHalf(-0f)).isEqualTo((short) 0x8000);
    assertThat(WeightQuantizer.toHalf(1f)).isEqualTo((short) 0x3c00);
    assertThat(WeightQuantizer.toHalf(65504f)).isEqualTo((short) 0x7bff);
    assertThat(WeightQuantizer.toHalf(70000f)).as("clamped, not inf").isEqualTo((short) 0x7bff);
    assertThat(WeightQuantizer.toHalf(-70000f)).isEqualTo((short) 0xfbff);
    assertThat(WeightQuantizer.toHalf(65520f)).as("would round up to inf").isEqualTo((short) 0x7bff);
    assertThat(WeightQuantizer.toHalf(Float.POSITIVE_INFINITY)).isEqualTo((short) 0x7c00);
    float nan = fromHalf(WeightQuantizer.toHalf(Float.NaN));
    assertThat(nan).isNaN();
    // subnormals: 2^-24 is the smallest; 1.5 * 2^-24 is a tie between 1 and 2 units, to even 2
    assertThat(WeightQuantizer.toHalf(0x1p-24f)).isEqualTo((short) 0x0001);
    assertThat(WeightQuantizer.toHalf(0x1.8p-24f)).isEqualTo((short) 0x0002);
    assertThat(WeightQuantizer.toHalf(0x1p-25f)).as("half the smallest: a tie, to even zero").isEqualTo((short) 0);
    assertThat(WeightQuantizer.toHalf(0x1.01p-25f)).isEqualTo((short) 0x0001);
    assertThat(WeightQuantizer.toHalf(-0x1.4p-20f)).isEqualTo((short) (0x8000 | 0x14));
    // 1 + 2^-11 lies midway between 1 (even) and 1 + 2^-10 (odd); 1 + 3*2^-11 between odd and even
    assertThat(WeightQuantizer.toHalf(1f + 0x1p-11f)).isEqualTo((short) 0x3c00);
    assertThat(WeightQuantizer.toHalf(1f + 0x1.8p-10f)).isEqualTo((short) 0x3c02);
    assertThat(WeightQuantizer.toHalf(0x1.ffcp-15f)).as("rounds up into the normals").isEqualTo((short) 0x0400);
  }

  @Test
  void everyHalfRoundTripsAndEveryMidpointRoundsToTheEvenNeighbour() {
    // all finite positive halves: exact values map to themselves, midpoints to the even one of the pair
    for (int h = 0; h < 0x7bff; h++) {
      float lo = fromHalf(h);
      float hi = fromHalf(h + 1);
      assertThat(WeightQuantizer.toHalf(lo)).isEqualTo((short) h);
      assertThat(WeightQuantizer.toHalf(-lo)).isEqualTo((short) (h | 0x8000));
      float mid = (lo + hi) / 2; // exact in float: halves have 11 significant bits
      int even = (h & 1) == 0 ? h : h + 1;
      assertThat(WeightQuantizer.toHalf(mid)).as("midpoint above %04x", h).isEqualTo((short) even);
      assertThat(WeightQuantizer.toHalf(Math.nextUp(mid))).isEqualTo((short) (h + 1));
      assertThat(WeightQuantizer.toHalf(Math.nextDown(mid))).isEqualTo((short) h);
    }
  }
}
