package dev.distill.bench.ota;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.distill.bench.BenchContext;
import dev.distill.bench.Paired;
import dev.distill.client.agent.ModelRuntime;
import dev.distill.client.agent.OrtRuntime;
import dev.distill.contract.model.Variant;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a variant costs a device at inference: the time per image of each variant's newest
 * artifact against the fp32 artifact of the same version, one image per run (a device
 * classifying samples as they come) on one thread. The device's own runtime ({@link OrtRuntime})
 * loads them; one more row loads the int8 artifact with ONNX Runtime's default options, which
 * dequantize its weights at every run instead of once at load. In each round both sides
 * classify the same images, the order alternating from round to round.
 */
public final class VariantInference {
  /** Single-image runs per side and round: some tens of milliseconds each. */
  static final int RUNS_PER_ROUND = 400;

  /** One loaded model: classifies one image. */
  private interface Model extends AutoCloseable {
    void classify(float[] image) throws Exception;

    @Override
    void close() throws Exception;
  }

  private VariantInference() {}

  /**
   * @param newest each variant's artifact of the same (newest) version; fp32 is the baseline
   * @param images images of {@code size} floats each, as the model takes them
   */
  public static void report(BenchContext ctx, Map<Variant, byte[]> newest, float[] images, int size, String where)
      throws Exception {
    if (!newest.containsKey(Variant.FP32)) {
      ctx.report().note(UpdateSizes.SECTION, "inference not measured: no fp32 version (" + where + ")");
      return;
    }
    Path dir = ctx.scratch("variant-inference");
    OrtRuntime device = new OrtRuntime(1);
    List<Model> loaded = new ArrayList<>();
    try {
      Model fp32 = keep(loaded, onDevice(device, write(dir, Variant.FP32, newest.get(Variant.FP32))));
      for (Variant v : List.of(Variant.FP16, Variant.INT8)) {
        if (newest.containsKey(v)) {
          Model m = keep(loaded, onDevice(device, write(dir, v, newest.get(v))));
          compare(ctx, v.id() + " inference / fp32 inference (device runtime)", v.id(), m, fp32, images, size);
        }
      }
      if (newest.containsKey(Variant.INT8)) {
        Model plain = keep(loaded, withDefaults(newest.get(Variant.INT8)));
        compare(ctx, "int8 inference / fp32 inference (ONNX Runtime defaults)", "int8", plain, fp32, images, size);
      }
    } finally {
      for (Model m : loaded) {
        m.close();
      }
    }
    ctx.report().note(UpdateSizes.SECTION, String.format(Locale.ROOT, "inference: each variant's artifact of the "
        + "newest version (%s), one image a run on one thread, %d runs per side and round; the device runtime folds "
        + "the int8 weights' dequantization at load, ONNX Runtime's defaults run it at every inference", where,
        RUNS_PER_ROUND));
  }

  private static void compare(BenchContext ctx, String row, String label, Model variant, Model fp32, float[] images,
      int size) throws Exception {
    int rounds = ctx.rounds();
    double[] a = new double[rounds];
    double[] b = new double[rounds];
    timePerImage(variant, images, size); // both warmed up before the first round
    timePerImage(fp32, images, size);
    for (int r = 0; r < rounds; r++) {
      if (r % 2 == 0) {
        a[r] = timePerImage(variant, images, size);
        b[r] = timePerImage(fp32, images, size);
      } else {
        b[r] = timePerImage(fp32, images, size);
        a[r] = timePerImage(variant, images, size);
      }
    }
    ctx.report().ratio(UpdateSizes.SECTION, row, new Paired(a, b), label, "fp32", "us/image", null);
  }

  /** Microseconds per image over {@link #RUNS_PER_ROUND} runs of one image each. */
  private static double timePerImage(Model m, float[] images, int size) throws Exception {
    int count = images.length / size;
    float[] one = new float[size];
    long start = System.nanoTime();
    for (int i = 0; i < RUNS_PER_ROUND; i++) {
      System.arraycopy(images, (i % count) * size, one, 0, size);
      m.classify(one);
    }
    return (System.nanoTime() - start) / 1e3 / RUNS_PER_ROUND;
  }

  private static Model keep(List<Model> loaded, Model m) {
    loaded.add(m);
    return m;
  }

  private static Path write(Path dir, Variant v, byte[] onnx) throws IOException {
    return Files.write(dir.resolve(v.id() + ".onnx"), onnx);
  }

  private static Model onDevice(OrtRuntime runtime, Path onnx) throws Exception {
    ModelRuntime.LoadedModel m = runtime.load(onnx);
    return new Model() {
      @Override
      public void classify(float[] image) throws Exception {
        m.logits(image, 1);
      }

      @Override
      public void close() {
        m.close();
      }
    };
  }

  /** A session with ONNX Runtime's default graph optimizations, on one thread. */
  private static Model withDefaults(byte[] onnx) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession s;
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
      o.setIntraOpNumThreads(1);
      o.setInterOpNumThreads(1);
      s = env.createSession(onnx, o);
    }
    String input = s.getInputNames().iterator().next();
    return new Model() {
      @Override
      public void classify(float[] image) throws OrtException {
        try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(image), new long[] {1, image.length});
            OrtSession.Result out = s.run(Map.of(input, x))) {
          if (out.size() == 0) {
            throw new IllegalStateException("the model gave no output");
          }
        }
      }

      @Override
      public void close() throws OrtException {
        s.close();
      }
    };
  }
}
