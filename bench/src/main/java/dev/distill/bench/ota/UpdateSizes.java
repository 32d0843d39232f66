package dev.distill.bench.ota;

import dev.distill.bench.BenchContext;
import dev.distill.bench.Paired;
import dev.distill.contract.ota.DeltaCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Bytes per update between consecutive published versions: the full artifact, distill's delta
 * (XOR of the base, zstd), and {@code zstd --patch-from} as the standard lossless alternative.
 * Both updates are decoded again and must give the new version's bytes exactly, so their
 * accuracy change is zero by construction, and checked.
 */
public final class UpdateSizes {
  static final String SECTION = "ota";
  /** The level distill's delta uses, so the two compressors are compared at the same effort. */
  static final int ZSTD_LEVEL = 6;

  private UpdateSizes() {}

  /**
   * @param artifacts consecutive versions' ONNX bytes, oldest first (at least two)
   * @param where what published them, for the report
   */
  public static void report(BenchContext ctx, List<byte[]> artifacts, String where) throws Exception {
    if (artifacts.size() < 2) {
      ctx.report().note(SECTION, "update sizes not measured: fewer than two versions were published (" + where + ")");
      return;
    }
    int pairs = artifacts.size() - 1;
    double[] full = new double[pairs];
    double[] delta = new double[pairs];
    double[] patch = new double[pairs];
    boolean zstdCli = zstdAvailable();
    Path dir = ctx.scratch("update-sizes");
    for (int i = 0; i < pairs; i++) {
      byte[] base = artifacts.get(i);
      byte[] next = artifacts.get(i + 1);
      full[i] = next.length;
      byte[] d = DeltaCodec.encode(base, next);
      if (!Arrays.equals(DeltaCodec.decode(base, d, DeltaCodec.MAX_TARGET_BYTES), next)) {
        throw new IllegalStateException("the delta from version " + i + " does not decode to the next version");
      }
      delta[i] = d.length;
      if (zstdCli) {
        patch[i] = patchFrom(dir, base, next);
      }
    }
    String sizes = String.format(Locale.ROOT, "%d pairs of consecutive versions, %s; lossless: every update decoded "
        + "again is the new version byte for byte, so the accuracy change is 0", pairs, where);
    ctx.report().figure(SECTION, "fp32 full artifact", full, "bytes", sizes, null, null);
    ctx.report().ratio(SECTION, "fp32 delta (XOR, zstd -" + ZSTD_LEVEL + ") / full", new Paired(delta, full),
        "delta", "full", "bytes", null);
    if (zstdCli) {
      ctx.report().ratio(SECTION, "zstd -" + ZSTD_LEVEL + " --patch-from / full", new Paired(patch, full),
          "patch", "full", "bytes", null);
    } else {
      ctx.report().note(SECTION, "zstd --patch-from not measured: no zstd command on this machine (apt-get install zstd)");
    }
    ctx.report().note(SECTION, "no quantized (fp16, int8) variants exist yet (issue #17), so none are measured");
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
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + out.trim());
    }
  }
}
