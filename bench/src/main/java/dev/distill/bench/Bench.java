package dev.distill.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Runs sections one after another (never two at once: they would measure each other) and writes
 * the report. A section that fails is named in the report and the run goes on; {@link #run}
 * says whether all of them finished.
 */
public final class Bench {
  private final List<Section> sections;
  private final PrintStream out;

  public Bench(List<Section> sections, PrintStream out) {
    this.sections = List.copyOf(sections);
    this.out = out;
  }

  /** @return true if every section ran to its end */
  public boolean run(boolean quick, int rounds, Path reportDir, String command) throws IOException {
    BenchReport report = new BenchReport();
    report.context("command", command);
    report.context("date", DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(Instant.now().atOffset(ZoneOffset.UTC)
        .withNano(0)) + " UTC");
    report.context("machine", Machine.describe());
    report.context("rounds per ratio", Integer.toString(rounds));
    report.context("load average before (1, 5, 15 min)", LoadAverage.now().toString());
    Path scratch = Files.createTempDirectory("distill-bench");
    boolean all = true;
    long start = System.nanoTime();
    try {
      BenchContext context = new BenchContext(quick, rounds, scratch, report, out);
      for (Section s : sections) {
        long t = System.nanoTime();
        out.printf(Locale.ROOT, "bench %s (load %s) ...%n", s.name(), LoadAverage.now());
        try {
          s.run(context);
          out.printf(Locale.ROOT, "bench %s done in %.0f s%n", s.name(), (System.nanoTime() - t) / 1e9);
        } catch (Exception | AssertionError e) {
          all = false;
          report.note(s.name(), "FAILED after " + Math.round((System.nanoTime() - t) / 1e9) + " s: " + e);
          out.printf(Locale.ROOT, "bench %s FAILED: %s%n", s.name(), e);
          e.printStackTrace(out);
        }
      }
    } finally {
      delete(scratch);
    }
    report.context("load average after (1, 5, 15 min)", LoadAverage.now().toString());
    report.context("duration", Duration.ofSeconds(Math.round((System.nanoTime() - start) / 1e9)).toString()
        .substring(2).toLowerCase(Locale.ROOT));
    report.write(reportDir);
    out.println();
    out.print(report.text());
    out.println();
    out.println("report: " + reportDir.resolve("bench.md") + " (also bench.json, bench.png)");
    return all;
  }

  private static void delete(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
