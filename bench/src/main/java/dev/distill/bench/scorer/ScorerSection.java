package dev.distill.bench.scorer;

import ai.onnxruntime.OrtEnvironment;
import dev.distill.bench.BenchContext;
import dev.distill.bench.BenchReport;
import dev.distill.bench.Interleaved;
import dev.distill.bench.Paired;
import dev.distill.bench.Section;
import dev.distill.bench.Spread;
import dev.distill.bench.Trial;
import dev.distill.scorer.ProcessingGuarantee;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The scorer's speed, each figure a ratio of two sides measured in the same rounds. One round runs
 * every trial once, in an order that reverses every round (so no side always runs warm or
 * second), and each ratio is taken within its round:
 *
 * <ul>
 *   <li>end to end (exactly-once, max batch B) over raw ONNX Runtime at batch B, for B = 32 and 256;
 *   <li>end to end at 256 over the 2-core limit of that round: {@code 1 / (1/raw + 1/pipeline)},
 *       where the pipeline is the same scorer with a 784-10 teacher (inference next to free). If
 *       the teacher's work and the pipeline's work simply added up on the two cores, with nobody
 *       ever waiting for the other, the scorer would reach the limit;
 *   <li>raw ONNX Runtime's GFLOP/s at batch 256 over libtorch's GEMM on the same shapes;
 *   <li>exactly-once over at-least-once, end to end at 256.
 * </ul>
 */
public final class ScorerSection implements Section {
  static final String NAME = "scorer";
  static final double LIMIT_GOAL = 0.85;
  private static final int BIG = 256;
  private static final int SMALL = 32;

  public ScorerSection() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void run(BenchContext ctx) throws Exception {
    boolean quick = ctx.quick();
    int samples = quick ? 5_000 : 100_000;
    long warm = Duration.ofMillis(quick ? 150 : 700).toNanos();
    long measure = Duration.ofMillis(quick ? 350 : 2_000).toNanos();
    byte[] teacher = Teachers.mlp(7, Teachers.MLP);
    double flop = Teachers.flopPerSample(Teachers.MLP);
    int rounds = ctx.rounds();
    Map<String, double[]> f = new LinkedHashMap<>();
    List<EndToEnd.Run> e2eRuns = new ArrayList<>();
    long start = System.nanoTime();
    try (EndToEnd e2e = new EndToEnd(ctx.scratch("scorer"), ctx.mnistTrain(), samples);
        RawOrt raw256 = new RawOrt(teacher, BIG);
        RawOrt raw32 = new RawOrt(teacher, SMALL);
        TorchGemm gemm = new TorchGemm(Teachers.MLP, BIG, 2)) {
      ctx.progress("scorer: %,d MNIST samples produced once, %d partitions; %d rounds", samples, EndToEnd.PARTITIONS,
          rounds);
      // pairs that form a ratio sit next to each other; the whole order reverses every other round
      Map<String, Trial> trials = new LinkedHashMap<>();
      trials.put("eos256", () -> {
        EndToEnd.Run r = e2e.run(EndToEnd.TEACHER, BIG, ProcessingGuarantee.EXACTLY_ONCE);
        e2eRuns.add(r);
        return r.recordsPerSecond();
      });
      trials.put("alos256", () -> e2e.run(EndToEnd.TEACHER, BIG, ProcessingGuarantee.AT_LEAST_ONCE).recordsPerSecond());
      trials.put("raw256", () -> raw256.samplesPerSecond(warm, measure));
      trials.put("gemm", () -> gemm.flopPerSecond(warm, measure));
      trials.put("pipeline", () -> e2e.run(EndToEnd.TINY, BIG, ProcessingGuarantee.EXACTLY_ONCE).recordsPerSecond());
      trials.put("raw32", () -> raw32.samplesPerSecond(warm, measure));
      trials.put("eos32", () -> e2e.run(EndToEnd.TEACHER, SMALL, ProcessingGuarantee.EXACTLY_ONCE).recordsPerSecond());
      List<String> keys = new ArrayList<>(trials.keySet());
      double[][] figures = Interleaved.inTurn(rounds, new ArrayList<>(trials.values()), (round, x) ->
          ctx.progress("scorer: round %d of %d: end to end %,.0f rec/s, raw %,.0f samples/s, pipeline %,.0f rec/s",
              round + 1, rounds, x[keys.indexOf("eos256")][round], x[keys.indexOf("raw256")][round],
              x[keys.indexOf("pipeline")][round]));
      for (int k = 0; k < keys.size(); k++) {
        f.put(keys.get(k), figures[k]);
      }
      report(ctx.report(), f, e2eRuns, flop, gemm.describe());
    }
    ctx.progress("scorer: %.0f s", (System.nanoTime() - start) / 1e9);
  }

  private static void report(BenchReport report, Map<String, double[]> f, List<EndToEnd.Run> runs, double flop,
      String gemm) {
    int n = f.get("eos256").length;
    String teacher = "784-1200-1200-10 MLP (random weights), ONNX Runtime " + OrtEnvironment.getEnvironment().getVersion()
        + " CPU, intra-op 2";
    report.ratio(NAME, "end to end / raw ONNX Runtime, batch 32", new Paired(f.get("eos32"), f.get("raw32")),
        "scorer (max batch 32, exactly-once)", "raw ORT at batch 32", "records or samples/s; " + teacher, null);
    report.ratio(NAME, "end to end / raw ONNX Runtime, batch 256", new Paired(f.get("eos256"), f.get("raw256")),
        "scorer (max batch 256, exactly-once)", "raw ORT at batch 256", "records or samples/s; " + teacher, null);
    double[] limit = new double[n];
    for (int i = 0; i < n; i++) {
      limit[i] = 1 / (1 / f.get("raw256")[i] + 1 / f.get("pipeline")[i]);
    }
    report.ratio(NAME, "end to end / 2-core limit", new Paired(f.get("eos256"), limit),
        "scorer", "(pipeline alone = the scorer with a 784-10 teacher: " + median(f.get("pipeline"))
            + ") limit 1/(1/raw ORT at 256 + 1/pipeline alone) of each round", "records/s", LIMIT_GOAL);
    double[] ortFlops = new double[n];
    double[] gemmFlops = new double[n];
    for (int i = 0; i < n; i++) {
      ortFlops[i] = f.get("raw256")[i] * flop / 1e9;
      gemmFlops[i] = f.get("gemm")[i] / 1e9;
    }
    report.ratio(NAME, "raw ONNX Runtime / same-run SGEMM, batch 256", new Paired(ortFlops, gemmFlops),
        "ORT on the MLP", gemm + " on [256,784]x[784,1200], [256,1200]x[1200,1200], [256,1200]x[1200,10]",
        String.format(Locale.ROOT, "GFLOP/s at %.2f MFLOP a sample", flop / 1e6), null);
    report.ratio(NAME, "exactly-once / at-least-once, end to end", new Paired(f.get("eos256"), f.get("alos256")),
        "exactly_once_v2", "at_least_once", "records/s, max batch 256", null);
    double[] busy = runs.stream().mapToDouble(r -> 100 * r.inferenceBusy()).toArray();
    report.figure(NAME, "teacher inference busy, end to end at 256", busy, "%",
        "share of the measured wall time in which a batch was in ONNX Runtime", null, null);
    double[] batch = runs.stream().mapToDouble(EndToEnd.Run::meanBatch).toArray();
    report.figure(NAME, "mean batch, end to end at 256", batch, "samples", "max batch 256, max wait 20 ms, "
        + EndToEnd.PARTITIONS + " partitions (one batch per task)", null, null);
    report.note(NAME, "CPU while an end-to-end run at 256 was measured (last round, in cores of 2): "
        + runs.get(runs.size() - 1).cpu().describe());
    report.note(NAME, "end to end = one scorer service in the bench's JVM with an embedded broker, "
        + EndToEnd.PARTITIONS + " partitions, 1 stream thread, each trial a new application id reading the samples "
        + "(produced once) from the start, measured from 10% to 100% of them; raw ORT = the better of a session "
        + "whose idle threads spin (ORT's default) and one whose threads sleep (the scorer's default), run in turn");
    report.note(NAME, "not measured: raw ORT at batch 1, and the scorer with spinning intra-op threads "
        + "(DISTILL_ORT_SPINNING=true). On a busy machine a ratio over 1 to the 2-core limit is possible: the raw "
        + "loop then lost more to the other processes than the scorer did; compare the load averages");
  }

  private static String median(double[] v) {
    return String.format(Locale.ROOT, "%,.0f records/s", Spread.of(v).median());
  }
}
