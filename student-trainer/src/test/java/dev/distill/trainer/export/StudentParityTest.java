package dev.distill.trainer.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.model.Architecture;
import dev.distill.contract.model.Preprocess;
import dev.distill.contract.model.TeacherManifest;
import dev.distill.contract.model.TensorSpec;
import dev.distill.trainer.Mnist;
import dev.distill.trainer.OnnxChecker;
import dev.distill.trainer.OnnxRuntime;
import dev.distill.trainer.TokenTask;
import dev.distill.trainer.engine.TrainingEngine;
import dev.distill.trainer.model.Feed;
import dev.distill.trainer.model.Network;
import dev.distill.trainer.model.StudentInputs;
import dev.distill.trainer.stream.Batch;
import dev.distill.trainer.stream.LearningRate;
import dev.distill.trainer.stream.ResumableOptimizer;
import dev.distill.trainer.stream.StudentLearner;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Students on the teacher's own inputs, preprocessing inside: the exported graph takes the raw
 * tensors a device feeds (float or uint8 images in the teacher's shape, int64 ids and mask),
 * passes the ONNX checker, and computes in ONNX Runtime the logits DJL computes, within 1e-5.
 */
class StudentParityTest {
  private static final int IMAGES = 200;
  private static final Preprocess FASHION = Preprocess.parse("scale=1/255,mean=0.2860,std=0.3530,layout=nchw");
  private final TrainingEngine engine = TrainingEngine.start();

  private static StudentInputs oneInput(String spec, Preprocess p) {
    return StudentInputs.of(new TeacherManifest(List.of(new TeacherManifest.Input(TensorSpec.parse(spec), "", p)),
        new TeacherManifest.Output("logits", TeacherManifest.OutputKind.LOGITS, 10), List.of(), Map.of()));
  }

  private static float[] djl(Network n, List<Feed> feeds, int rows) {
    try (NDManager call = n.model().getNDManager().newSubManager()) {
      return n.logits(call, feeds, rows);
    }
  }

  /** Runs the model on named tensors (float[], byte[] as uint8, long[]) of the given shapes. */
  private static float[] ort(byte[] model, Map<String, Object> values, Map<String, long[]> shapes) throws Exception {
    Map<String, OnnxTensor> in = new LinkedHashMap<>();
    try (OrtSession s = OnnxRuntime.ENV.createSession(model, new OrtSession.SessionOptions())) {
      for (var e : values.entrySet()) {
        long[] shape = shapes.get(e.getKey());
        Object v = e.getValue();
        in.put(e.getKey(), v instanceof float[] f ? OnnxTensor.createTensor(OnnxRuntime.ENV, FloatBuffer.wrap(f), shape)
            : v instanceof byte[] b ? OnnxTensor.createTensor(OnnxRuntime.ENV, ByteBuffer.wrap(b), shape, OnnxJavaType.UINT8)
            : OnnxTensor.createTensor(OnnxRuntime.ENV, LongBuffer.wrap((long[]) v), shape));
      }
      try (OrtSession.Result r = s.run(in)) {
        float[][] logits = (float[][]) r.get(0).getValue();
        float[] flat = new float[logits.length * logits[0].length];
        for (int i = 0; i < logits.length; i++) {
          System.arraycopy(logits[i], 0, flat, i * logits[i].length, logits[i].length);
        }
        return flat;
      }
    } finally {
      in.values().forEach(OnnxTensor::close);
    }
  }

  private static void assertSame(float[] djl, float[] ort, double tolerance) {
    assertThat(ort).hasSameSizeAs(djl);
    double maxDiff = 0;
    double maxLogit = 0;
    for (int j = 0; j < djl.length; j++) {
      maxDiff = Math.max(maxDiff, Math.abs(djl[j] - ort[j]));
      maxLogit = Math.max(maxLogit, Math.abs(djl[j]));
    }
    assertThat(maxLogit).as("the logits are not trivially zero").isGreaterThan(0.1);
    assertThat(maxDiff).as("max |DJL - ONNX Runtime|").isLessThanOrEqualTo(tolerance);
  }

  /** The export, which the ONNX checker must accept. */
  private static byte[] checkedExport(Network n) throws Exception {
    byte[] onnx = OnnxExport.toOnnx(n, Provenance.student("parity", 1, Instant.EPOCH));
    OnnxChecker.assertAccepted(onnx);
    return onnx;
  }

  @Test
  void anMlpNormalisesAFloatImageInsideItsGraph() throws Exception {
    float[] pixels = OnnxRuntime.rawPixels(Mnist.test(), IMAGES);
    StudentInputs inputs = oneInput("image=float32[N,1,28,28]", FASHION);
    try (Network n = Network.create(engine, Architecture.parse("mlp:784-64-10"), inputs, 0.2f)) {
      engine.seed(3);
      n.initialize();
      byte[] onnx = checkedExport(n);
      try (OrtSession s = OnnxRuntime.ENV.createSession(onnx)) {
        assertThat(((TensorInfo) s.getInputInfo().get("image").getInfo()).getShape()).containsExactly(-1, 1, 28, 28);
      }
      float[] ort = ort(onnx, Map.of("image", pixels), Map.of("image", new long[] {IMAGES, 1, 28, 28}));
      assertSame(djl(n, List.of(new Feed.Floats(pixels)), IMAGES), ort, 1e-5);
    }
  }

  @Test
  void aBatchNormCnnOnUint8ImagesUsesItsRunningStatisticsAfterTraining() throws Exception {
    LabelledImages train = Mnist.train();
    StudentInputs inputs = oneInput("image=uint8[N,1,28,28]", FASHION);
    try (StudentLearner student = new StudentLearner(engine, Architecture.parse("cnn:1x28x28-c8bn-c16bn-f32-10"),
        inputs, ResumableOptimizer.Kind.ADAM, LearningRate.constant(1e-3f), 0f, 0f, 1)) {
      for (int step = 0; step < 5; step++) {
        student.step(imageBatch(train, step * 32, 32));
      }
      Network n = student.network();
      float[] runningMean = n.weights().get(1).array("runningMean");
      assertThat(runningMean).as("five steps moved the running mean off its initial 0").isNotEqualTo(new float[8]);
      byte[] onnx = checkedExport(n);
      byte[] raw = Arrays.copyOf(Mnist.test().pixels(), IMAGES * 784);
      float[] ort = ort(onnx, Map.of("image", raw), Map.of("image", new long[] {IMAGES, 1, 28, 28}));
      assertSame(djl(n, List.of(new Feed.Floats(OnnxRuntime.rawPixels(Mnist.test(), IMAGES))), IMAGES), ort, 1e-5);
    }
  }

  @Test
  void aThreeChannelCnnNormalisesEachChannel() throws Exception {
    Random rnd = new Random(5);
    float[] x = new float[20 * 3 * 8 * 8];
    for (int i = 0; i < x.length; i++) {
      x[i] = rnd.nextInt(256);
    }
    StudentInputs inputs = oneInput("rgb=float32[N,3,8,8]",
        Preprocess.parse("scale=1/255,mean=0.485:0.456:0.406,std=0.229:0.224:0.225,layout=nchw"));
    try (Network n = Network.create(engine, Architecture.parse("cnn:3x8x8-c4bn-f8-10"), inputs, 0f)) {
      n.initialize();
      byte[] onnx = checkedExport(n);
      float[] ort = ort(onnx, Map.of("rgb", x), Map.of("rgb", new long[] {20, 3, 8, 8}));
      assertSame(djl(n, List.of(new Feed.Floats(x)), 20), ort, 1e-5);
    }
  }

  @Test
  void aTokenStudentGivesDjlsLogitsAndIgnoresPadding() throws Exception {
    Random rnd = new Random(7);
    TokenTask.Samples s = TokenTask.draw(rnd, IMAGES);
    try (StudentLearner student = tokenStudent(true, rnd)) {
      Network n = student.network();
      byte[] onnx = checkedExport(n);
      long[] shape = {IMAGES, TokenTask.MAX_LENGTH};
      float[] ort = ort(onnx, Map.of("input_ids", s.ids(), "attention_mask", s.mask()),
          Map.of("input_ids", shape, "attention_mask", shape));
      float[] djl = djl(n, List.of(new Feed.Longs(s.ids()), new Feed.Longs(s.mask())), IMAGES);
      assertSame(djl, ort, 1e-5);

      // the first sample alone, unpadded, and padded to 24 with garbage ids under mask 0
      int len = s.lengths()[0];
      long[] ids = Arrays.copyOf(s.ids(), len);
      float[] unpadded = ort(onnx, Map.of("input_ids", ids, "attention_mask", ones(len)),
          Map.of("input_ids", new long[] {1, len}, "attention_mask", new long[] {1, len}));
      long[] padIds = Arrays.copyOf(ids, 24);
      Arrays.fill(padIds, len, 24, 50);
      float[] padded = ort(onnx, Map.of("input_ids", padIds, "attention_mask", Arrays.copyOf(ones(len), 24)),
          Map.of("input_ids", new long[] {1, 24}, "attention_mask", new long[] {1, 24}));
      float[] first = Arrays.copyOf(djl, TokenTask.CLASSES);
      assertThat(unpadded).containsExactly(first, within(1e-5f));
      assertThat(padded).containsExactly(first, within(1e-5f));
      assertThat(djl(n, List.of(new Feed.Longs(padIds), new Feed.Longs(Arrays.copyOf(ones(len), 24))), 1))
          .containsExactly(first, within(1e-5f));
    }
  }

  @Test
  void aTokenStudentWithoutAMaskTakesIdZeroAsPaddingInBothEngines() throws Exception {
    Random rnd = new Random(8);
    TokenTask.Samples s = TokenTask.draw(rnd, IMAGES);
    s.ids()[0] = 999; // out of the vocabulary: clamped to the last id in both
    try (StudentLearner student = tokenStudent(false, rnd)) {
      byte[] onnx = checkedExport(student.network());
      Network n = student.network();
      float[] ort = ort(onnx, Map.of("input_ids", s.ids()), Map.of("input_ids", new long[] {IMAGES, 16}));
      assertSame(djl(n, List.of(new Feed.Longs(s.ids())), IMAGES), ort, 1e-5);
    }
  }

  private StudentLearner tokenStudent(boolean withMask, Random rnd) {
    StudentLearner student = new StudentLearner(engine, Architecture.parse("tok:64-e16-f32-4"),
        StudentInputs.of(TokenTask.manifest(withMask)),
        ResumableOptimizer.Kind.ADAM, LearningRate.constant(1e-2f), 0f, 0f, 1);
    for (int i = 0; i < 20; i++) {
      student.step(TokenTask.batch(TokenTask.draw(rnd, 32), withMask));
    }
    return student;
  }

  private static long[] ones(int n) {
    long[] a = new long[n];
    Arrays.fill(a, 1);
    return a;
  }

  private static Batch imageBatch(LabelledImages images, int from, int n) {
    float[] x = OnnxRuntime.rawPixels(images, from + n);
    x = Arrays.copyOfRange(x, from * 784, (from + n) * 784);
    float[] q = new float[n * 10];
    float[] t = new float[n];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = images.label(from + i);
      q[i * 10 + y[i]] = 1;
      t[i] = 1;
    }
    return new Batch(n, n, x, q, t, y);
  }
}
