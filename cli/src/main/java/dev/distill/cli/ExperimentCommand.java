package dev.distill.cli;

import dev.distill.cli.demo.Pipeline;
import dev.distill.cli.experiment.Experiments;
import dev.distill.cli.report.Report;
import dev.distill.cli.report.ReportWriter;
import dev.distill.contract.data.DataHome;
import dev.distill.contract.data.Dataset;
import dev.distill.contract.data.DatasetFetcher;
import dev.distill.contract.data.Datasets;
import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.data.Split;
import dev.distill.contract.model.TeacherVersion;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code distill experiment NAME}: one of the paper's results, reproduced through the pipeline. */
@Command(name = "experiment", mixinStandardHelpOptions = true, description = {
    "Reproduce one of the paper's results through the pipeline and write a report.",
    "  hinton-mnist   hard-label vs distilled 784-800-800-10 student, curve over passes",
    "  label-budget   only 3% of the stream labelled: hard 3%, distilled on all, hard 100%",
    "  omitted-class  no 3 in the transfer stream; accuracy on 3s before and after a bias correction",
    "  drift          digits 0-4, then 5-9: test accuracy over time with and without replay"})
final class ExperimentCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "NAME", description = "hinton-mnist, label-budget, omitted-class or drift.")
  String name;

  @Option(names = "--passes", defaultValue = "10", paramLabel = "P",
      description = "Passes over the training split for hinton-mnist; omitted-class makes P/3 (default: ${DEFAULT-VALUE}).")
  int passes;

  @Option(names = "--arch", defaultValue = "mlp:784-800-800-10", paramLabel = "SPEC",
      description = "Student architecture (default: ${DEFAULT-VALUE}, the paper's).")
  String architecture;

  @Option(names = "--limit", defaultValue = "0", paramLabel = "N",
      description = "Score only the first N training samples; 0 = all (default).")
  long limit;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of the stream orders and the students (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--report", paramLabel = "DIR", description = "Report folder (default: $DISTILL_HOME/reports/<name>-<time>).")
  Path report;

  @Override
  public Integer call() throws Exception {
    if (!Experiments.NAMES.contains(name)) {
      throw new UserError("no experiment '" + name + "'; there are " + String.join(", ", Experiments.NAMES));
    }
    if (passes < 1) {
      throw new UserError("--passes must be at least 1");
    }
    Dataset dataset = Dataset.MNIST;
    DataHome home = DataHome.resolve();
    System.out.println("distill experiment " + name + " (logs: " + Logging.logFile() + ")");
    System.out.println("data: " + new DatasetFetcher(home).fetch(dataset, Optional.empty()).summary());
    LabelledImages train = Datasets.load(home, dataset, Split.TRAIN);
    LabelledImages test = Datasets.load(home, dataset, Split.TEST);
    TeacherVersion teacher = TeacherCommand.storedOrTrained(dataset);
    Path dir = Paths.report(report, name);
    Path work = Paths.home().resolve("experiments").resolve(name);
    Pipeline.deleteRecursively(work); // every run starts from an empty broker
    long start = System.nanoTime();
    Report found = Experiments.run(name, new Experiments.Options(architecture, passes, seed, limit), work, dataset,
        teacher, TeacherCommand.store().root(), train, test, System.out);
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    found.figures().put("wall_seconds", took.toMillis() / 1000.0);
    found.figures().put("cores", Runtime.getRuntime().availableProcessors());
    ReportWriter.write(found, dir);
    System.out.println();
    System.out.println(found.title());
    ReportWriter.printTable(found, System.out);
    if (found.figures().get("notes") instanceof java.util.List<?> notes) {
      notes.forEach(System.out::println);
    }
    System.out.printf(Locale.ROOT, "took %.1f min on %d cores; report: %s%n", took.toMillis() / 60_000.0,
        Runtime.getRuntime().availableProcessors(), dir);
    return 0;
  }
}
