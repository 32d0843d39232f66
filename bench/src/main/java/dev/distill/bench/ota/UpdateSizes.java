package dev.distill.bench.ota;

import dev.distill.bench.BenchContext;
import dev.distill.bench.Paired;
import dev.distill.contract.model.Variant;
import dev.distill.contract.ota.DeltaCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Bytes per update between consecutive published versions, for every way a device can get the
 * new version: the fp32 artifact in full, distill's delta of it (XOR of the base, zstd), {@code
 * zstd --patch-from} as the standard lossless alternative, the fp16 and int8 variants in full and
 * as deltas, the qdelta lineage's delta (quantized update steps), and a top-k sparse update made
 * here from the fp32 versions for comparison. Every delta is decoded again and must give its new
 * version byte for byte. Beside the sizes, each way's test error on the test split (reported,
 * never chosen on) against the fp32 version of the same number.
 */
public final class UpdateSizes {
  static final String SECTION = "ota";
  /** The level distill's delta uses, so the two compressors are compared at the same effort. */
  static final int ZSTD_LEVEL = 6;
  /** The top-k comparison's share of each large tensor: about the qdelta delta's size on the demo's student. */
  static final double TOP_K = 0.05;
  /** The compass: an update a tenth of the full model ... */
  static final double SIZE_GOAL = 0.1;
  /** ... at no more than this change of test error, in points. */
  static final double ERROR_GOAL_PT = 0.1;

  /** The test error (0..1) of an artifact on the test split. */
  @FunctionalInterface
  public interface TestError {
    double of(byte[] onnx) throws Exception;
  }

  private UpdateSizes() {}

  /**
   * @param lineages each variant's consecutive versions' ONNX bytes, oldest first, the same
   *     version numbers in each (fp32 at least two; a variant the trainer did not publish is absent)
   * @param testError how an artifact does on the test split
   * @param where what published them, for the report
   */
  public static void report(BenchContext ctx, Map<Variant, List<byte[]>> lineages, TestError testError, String where)
      throws Exception {
    List<byte[]> fp32 = lineages.getOrDefault(Variant.FP32, List.of());
    if (fp32.size() < 2) {
      ctx.report().note(SECTION, "update sizes not measured: fewer than two versions were published (" + where + ")");
      return;
    }
    int pairs = fp32.size() - 1;
    double[] full = new double[pairs];
    double[] fullError = new double[pairs];
    for (int i = 0; i < pairs; i++) {
      full[i] = fp32.get(i + 1).length;
      fullError[i] = testError.of(fp32.get(i + 1));
    }
    String sizes = String.format(Locale.ROOT, "%d pairs of consecutive versions, %s; test error of the newer "
        + "version %.2f%% (%.2f-%.2f) on the test split", pairs, where, 100 * median(fullError), 100 * min(fullError),
        100 * max(fullError));
    ctx.report().figure(SECTION, "fp32 full artifact", full, "bytes", sizes, null, null);
    ctx.report().ratio(SECTION, "fp32 delta (XOR, zstd -" + ZSTD_LEVEL + ") / fp32 full",
        new Paired(deltas(fp32), full), "delta", "full", "bytes", null);
    if (zstdAvailable()) {
      ctx.report().ratio(SECTION, "zstd -" + ZSTD_LEVEL + " --patch-from / fp32 full",
          new Paired(patches(ctx.scratch("update-sizes"), fp32), full), "patch", "full", "bytes", null);
    } else {
      ctx.report().note(SECTION, "zstd --patch-from not measured: no zstd command on this machine (apt-get install zstd)");
    }
    ctx.report().note(SECTION, "fp32 delta and zstd --patch-from are lossless: their test error is the fp32 version's");
    for (Variant v : List.of(Variant.FP16, Variant.INT8)) {
      List<byte[]> lineage = lineages.get(v);
      if (!sameLength(lineage, fp32, v)) {
        ctx.report().note(SECTION, v.id() + " not measured: the trainer published no " + v.id() + " variant of every version");
        continue;
      }
      double[] bytes = new double[pairs];
      for (int i = 0; i < pairs; i++) {
        bytes[i] = lineage.get(i + 1).length;
      }
      ctx.report().ratio(SECTION, v.id() + " full / fp32 full", new Paired(bytes, full), v.id(), "fp32", "bytes", null);
      ctx.report().ratio(SECTION, v.id() + " delta / fp32 full", new Paired(deltas(lineage), full), v.id() + " delta",
          "fp32", "bytes", null);
      errorChange(ctx, v.id(), tail(lineage), fullError, testError, false);
    }
    List<byte[]> qdelta = lineages.get(Variant.QDELTA);
    if (sameLength(qdelta, fp32, Variant.QDELTA)) {
      ctx.report().ratioAtMost(SECTION, "qdelta delta (quantized steps) / fp32 full", new Paired(deltas(qdelta), full),
          "qdelta delta", "fp32", "bytes", SIZE_GOAL);
      errorChange(ctx, "qdelta", tail(qdelta), fullError, testError, true);
    } else {
      ctx.report().note(SECTION, "qdelta not measured: the trainer published no qdelta version of every version");
    }
    List<byte[]> topK = new ArrayList<>(List.of(fp32.get(0)));
    for (int i = 1; i < fp32.size(); i++) {
      topK.add(TopKUpdate.apply(topK.get(i - 1), fp32.get(i), TOP_K).onnx());
    }
    ctx.report().ratioAtMost(SECTION, String.format(Locale.ROOT, "top-%.0f%% sparse delta / fp32 full", 100 * TOP_K),
        new Paired(deltas(topK), full), "sparse delta", "fp32", "bytes", SIZE_GOAL);
    errorChange(ctx, String.format(Locale.ROOT, "top-%.0f%% sparse", 100 * TOP_K), tail(topK), fullError, testError,
        true);
    ctx.report().note(SECTION, String.format(Locale.ROOT, "goal (issue #17): an update at most %.1f of the fp32 full "
        + "artifact at most %.1f pt of test error away from the fp32 version; the top-k sparse versions are made here "
        + "from the fp32 versions (each from the last sparse one, the largest %.0f%% of changes per tensor of at least "
        + "%d weights), the others are what the trainer published", SIZE_GOAL, ERROR_GOAL_PT, 100 * TOP_K,
        TopKUpdate.SMALL_TENSOR));
  }

  /** A row of the test error change against the fp32 version of each number, in points. */
  private static void errorChange(BenchContext ctx, String what, List<byte[]> newer, double[] fullError,
      TestError testError, boolean goal) throws Exception {
    double[] change = new double[newer.size()];
    double[] error = new double[newer.size()];
    for (int i = 0; i < change.length; i++) {
      error[i] = testError.of(newer.get(i));
      change[i] = 100 * (error[i] - fullError[i]);
    }
    double worst = Arrays.stream(change).map(Math::abs).max().orElse(0);
    ctx.report().figure(SECTION, what + ": test error - fp32's", change, "pt",
        String.format(Locale.ROOT, "test error %.2f%% (%.2f-%.2f) on the test split; largest change %.2f pt",
            100 * median(error), 100 * min(error), 100 * max(error), worst),
        goal ? String.format(Locale.ROOT, "|change| <= %.1f pt", ERROR_GOAL_PT) : null,
        goal ? Math.abs(median(change)) <= ERROR_GOAL_PT : null);
  }

  private static boolean sameLength(List<byte[]> lineage, List<byte[]> fp32, Variant v) {
    return lineage != null && lineage.size() == fp32.size();
  }

  private static List<byte[]> tail(List<byte[]> l) {
    return l.subList(1, l.size());
  }

  /** distill's delta between each version and the next, checked to decode to it. */
  private static double[] deltas(List<byte[]> versions) throws DeltaCodec.DeltaException {
    double[] out = new double[versions.size() - 1];
    for (int i = 0; i < out.length; i++) {
      byte[] base = versions.get(i);
      byte[] next = versions.get(i + 1);
      byte[] d = DeltaCodec.encode(base, next);
      if (!Arrays.equals(DeltaCodec.decode(base, d, DeltaCodec.MAX_TARGET_BYTES), next)) {
        throw new IllegalStateException("the delta from version " + (i + 1) + " does not decode to the next version");
      }
      out[i] = d.length;
    }
    return out;
  }

  private static double[] patches(Path dir, List<byte[]> versions) throws IOException, InterruptedException {
    double[] out = new double[versions.size() - 1];
    for (int i = 0; i < out.length; i++) {
      out[i] = patchFrom(dir, versions.get(i), versions.get(i + 1));
    }
    return out;
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static double min(double[] v) {
    return Arrays.stream(v).min().orElse(Double.NaN);
  }

  private static double max(double[] v) {
    return Arrays.stream(v).max().orElse(Double.NaN);
  }

  private static boolean zstdAvailable() {
    try {
      Process p = new ProcessBuilder("zstd", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** {@code zstd --patch-from=base next}, then decoded again against the base: the patch's size. */
  private static long patchFrom(Path dir, byte[] base, byte[] next) throws IOException, InterruptedException {
    Path b = Files.write(dir.resolve("base.onnx"), base);
    Path n = Files.write(dir.resolve("next.onnx"), next);
    Path patch = dir.resolve("next.patch.zst");
    Path back = dir.resolve("next.back.onnx");
    run("zstd", "-q", "-f", "-" + ZSTD_LEVEL, "--patch-from=" + b, n.toString(), "-o", patch.toString());
    run("zstd", "-q", "-f", "-d", "--patch-from=" + b, patch.toString(), "-o", back.toString());
    if (!Arrays.equals(Files.readAllBytes(back), next)) {
      throw new IllegalStateException("zstd --patch-from did not give the new version back");
    }
    return Files.size(patch);
  }

  private static void run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + out.trim());
    }
  }
}
