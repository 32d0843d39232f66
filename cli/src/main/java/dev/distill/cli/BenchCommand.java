package dev.distill.cli;

import dev.distill.bench.Bench;
import dev.distill.bench.Section;
import dev.distill.bench.push.PushSection;
import dev.distill.bench.scorer.ScorerSection;
import dev.distill.bench.trainer.TrainerSection;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code distill bench}: every speed and size figure in one run, as same-run ratios. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {
      "Measure the system on this machine: the scorer, the trainer, OTA update sizes, push latency and freshness. "
          + "Every ratio runs its two sides interleaved (A B, B A, ...) for several rounds and reports the median "
          + "and range; the report gives the load average before and after.",
      "Writes bench.md, bench.json and bench.png to a new folder under DISTILL_HOME/reports (or --out). "
          + "Run it on a quiet machine: every other process shows in the figures."})
final class BenchCommand implements Callable<Integer> {
  @Option(names = "--quick", description = "The smoke-test size: every row, on short trials (under 10 minutes on 2 cores).")
  boolean quick;

  @Option(names = "--rounds", paramLabel = "N", description = "Interleaved rounds per ratio, at least 5 (default: 5).")
  int rounds = 5;

  @Option(names = "--only", paramLabel = "SECTION", split = ",",
      description = "Run only these sections (comma-separated; the names are in the report).")
  List<String> only;

  @Option(names = "--out", paramLabel = "DIR", description = "Where to write the report (default: a new folder under DISTILL_HOME/reports).")
  Path out;

  /** Every section, in the order they run: the cheapest first, so a smoke run fails early. */
  static List<Section> sections() {
    return List.of(new ScorerSection(), new TrainerSection(), new PushSection(), new PipelineSection());
  }

  @Override
  public Integer call() throws Exception {
    if (rounds < 5) {
      throw new UserError("bench: --rounds must be at least 5 (a median of fewer rounds says little on a shared machine), got " + rounds);
    }
    List<Section> chosen = new ArrayList<>(sections());
    if (only != null) {
      List<String> names = chosen.stream().map(Section::name).toList();
      for (String o : only) {
        if (!names.contains(o)) {
          throw new UserError("bench: no section '" + o + "'; the sections are " + String.join(", ", names));
        }
      }
      chosen.removeIf(s -> !only.contains(s.name()));
    }
    Path dir = Paths.report(out, quick ? "bench-quick" : "bench");
    String command = "distill bench" + (quick ? " --quick" : "") + (rounds != 5 ? " --rounds " + rounds : "")
        + (only != null ? " --only " + only.stream().collect(Collectors.joining(",")) : "");
    boolean all = new Bench(chosen, System.out).run(quick, rounds, dir, command);
    return all ? 0 : 1;
  }
}
