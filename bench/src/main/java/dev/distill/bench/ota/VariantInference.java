package dev.distill.bench.ota;

import dev.distill.bench.BenchContext;
import dev.distill.bench.Paired;
import dev.distill.client.agent.ModelRuntime;
import dev.distill.client.agent.OrtRuntime;
import dev.distill.contract.model.Variant;
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
    List<ModelRuntime.LoadedModel> loaded = new ArrayList<>();
    try {
      ModelRuntime.LoadedModel fp32 = load(loaded, device, dir, Variant.FP32, newest);
      for (Variant v : List.of(Variant.FP16, Variant.INT8)) {
        if (newest.containsKey(v)) {
          compare(ctx, v.id() + " inference / fp32 inference (device runtime)", v.id(),
              load(loaded, device, dir, v, newest), fp32, images, size);
        }
      }
      if (newest.containsKey(Variant.INT8)) {
        compare(ctx, "int8 inference / fp32 inference (ONNX Runtime defaults)", "int8",
            load(loaded, new OrtRuntime(1, false), dir, Variant.INT8, newest), fp32, images, size);
      }
    } finally {
      loaded.forEach(ModelRuntime.LoadedModel::close);
    }
    ctx.report().note(UpdateSizes.SECTION, String.format(Locale.ROOT, "inference: each variant's artifact of the "
        + "newest version (%s), one image a run on one thread, %d runs per side and round; the device runtime folds "
        + "the int8 weights' dequantization at load, ONNX Runtime's defaults run it at every inference", where,
        RUNS_PER_ROUND));
  }

  private static void compare(BenchContext ctx, String row, String label, ModelRuntime.LoadedModel variant,
      ModelRuntime.LoadedModel fp32, float[] images, int size) throws Exception {
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
  private static double timePerImage(ModelRuntime.LoadedModel m, float[] images, int size) throws Exception {
    int count = images.length / size;
    float[] one = new float[size];
    long start = System.nanoTime();
    for (int i = 0; i < RUNS_PER_ROUND; i++) {
      System.arraycopy(images, (i % count) * size, one, 0, size);
      m.logits(one, 1);
    }
    return (System.nanoTime() - start) / 1e3 / RUNS_PER_ROUND;
  }

  /** Loads the variant's artifact from a file, as a device does, and keeps it to be closed. */
  private static ModelRuntime.LoadedModel load(List<ModelRuntime.LoadedModel> loaded, OrtRuntime runtime, Path dir,
      Variant v, Map<Variant, byte[]> newest) throws Exception {
    ModelRuntime.LoadedModel m = runtime.load(Files.write(dir.resolve(v.id() + ".onnx"), newest.get(v)));
    loaded.add(m);
    return m;
  }
}
