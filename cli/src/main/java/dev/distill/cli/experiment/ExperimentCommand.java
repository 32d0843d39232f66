package dev.distill.cli.experiment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.distill.cli.Distill;
import dev.distill.contract.data.DataHome;
import dev.distill.contract.data.Dataset;
import dev.distill.contract.data.DatasetFetcher;
import dev.distill.contract.data.Datasets;
import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.data.Split;
import dev.distill.contract.model.TeacherStore;
import dev.distill.contract.model.TeacherVersion;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code distill experiment NAME}: one of the paper's results, reproduced through the pipeline. */
@Command(name = "experiment", description = {
    "Reproduce one of the paper's results through the pipeline and write a report.",
    "  hinton-mnist   hard-label vs distilled 784-800-800-10 student, curve over passes",
    "  label-budget   only 3% of the stream labelled: hard 3%, distilled on all, hard 100%",
    "  omitted-class  no 3 in the transfer stream; accuracy on 3s before and after a bias correction",
    "  drift          digits 0-4, then 5-9: test accuracy over time with and without replay"})
public final class ExperimentCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "NAME", description = "hinton-mnist, label-budget, omitted-class or drift.")
  String name;

  @Option(names = "--passes", defaultValue = "10", paramLabel = "P",
      description = "Passes over the training split for hinton-mnist (omitted-class uses P/3) (default: ${DEFAULT-VALUE}).")
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
      throw new IllegalArgumentException("no experiment '" + name + "'; there are " + Experiments.NAMES);
    }
    if (passes < 1) {
      throw new IllegalArgumentException("--passes must be at least 1");
    }
    PrintStream out = System.out;
    Dataset dataset = Dataset.MNIST;
    DataHome home = DataHome.resolve();
    out.println("distill experiment " + name + ": data: "
        + new DatasetFetcher(home).fetch(dataset, Optional.empty()).summary());
    LabelledImages train = Datasets.load(home, dataset, Split.TRAIN);
    LabelledImages test = Datasets.load(home, dataset, Split.TEST);
    Path storeRoot = home.root().resolve("teachers");
    TeacherVersion teacher = teacher(new TeacherStore(storeRoot), dataset, out);
    Path dir = report != null ? report : home.root().resolve("reports")
        .resolve(name + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    Path work = home.root().resolve("experiments").resolve(name);
    deleteRecursively(work);
    long start = System.nanoTime();
    Findings findings;
    try (Lab lab = Lab.open(name, work, dataset, teacher, storeRoot, train, limit, out)) {
      findings = new Experiments(lab, test, new Experiments.Options(architecture, passes, seed)).run(name);
    }
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    findings.figure("wall_seconds", took.toMillis() / 1000.0);
    findings.figure("cores", Runtime.getRuntime().availableProcessors());
    write(findings, dir, took);
    out.println();
    out.println(findings.title);
    out.print(findings.markdown());
    findings.notes.forEach(out::println);
    out.printf(Locale.ROOT, "took %.1f min on %d cores; report: %s%n", took.toMillis() / 60_000.0,
        Runtime.getRuntime().availableProcessors(), dir);
    return 0;
  }

  private static TeacherVersion teacher(TeacherStore store, Dataset dataset, PrintStream out) throws Exception {
    Optional<TeacherVersion> stored = store.latest(dataset.cliName());
    if (stored.isPresent()) {
      out.println("teacher: reusing " + dataset.cliName() + " v" + stored.get().version() + " ("
          + stored.get().info().getOrDefault("test_errors", "?") + " test errors)");
      return stored.get();
    }
    out.println("teacher: none stored yet, training one now (once: later runs reuse it)");
    if (Distill.commandLine().execute("teacher", "train", "--dataset", dataset.cliName()) != 0) {
      throw new IllegalStateException("could not train the teacher");
    }
    return store.latest(dataset.cliName()).orElseThrow();
  }

  private static void write(Findings f, Path dir, Duration took) throws Exception {
    Files.createDirectories(dir.resolve("models"));
    for (Map.Entry<String, byte[]> m : f.models.entrySet()) {
      Files.write(dir.resolve("models").resolve(m.getKey()), m.getValue());
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("title", f.title);
    json.put("figures", f.figures);
    json.put("columns", f.columns);
    json.put("rows", f.rows);
    json.put("curves", f.lines);
    json.put("notes", f.notes);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("results.json").toFile(), json);
    StringBuilder md = new StringBuilder("# " + f.title + "\n\n").append(f.markdown()).append('\n');
    f.notes.forEach(n -> md.append(n).append("\n\n"));
    md.append(String.format(Locale.ROOT, "Took %.1f min on %d cores.%n", took.toMillis() / 60_000.0,
        Runtime.getRuntime().availableProcessors()));
    Files.writeString(dir.resolve("results.md"), md);
  }

  private static void deleteRecursively(Path dir) throws java.io.IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
