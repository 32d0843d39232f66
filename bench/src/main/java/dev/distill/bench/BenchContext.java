package dev.distill.bench;

import dev.distill.contract.data.Dataset;
import dev.distill.contract.data.Datasets;
import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.data.Split;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What every section gets: the size of the run, a scratch directory of its own, the report, and
 * MNIST (read once).
 *
 * @param quick the smoke-test size: every row measured, on short trials
 * @param rounds interleaved rounds per ratio (at least 5)
 */
public final class BenchContext {
  private final boolean quick;
  private final int rounds;
  private final Path scratch;
  private final BenchReport report;
  private final PrintStream progress;
  private LabelledImages train;
  private LabelledImages test;

  public BenchContext(boolean quick, int rounds, Path scratch, BenchReport report, PrintStream progress) {
    if (rounds < 1) {
      throw new IllegalArgumentException("rounds must be positive: " + rounds);
    }
    this.quick = quick;
    this.rounds = rounds;
    this.scratch = scratch;
    this.report = report;
    this.progress = progress;
  }

  public boolean quick() {
    return quick;
  }

  public int rounds() {
    return rounds;
  }

  public BenchReport report() {
    return report;
  }

  /** A fresh directory under the run's scratch space, removed when the run ends. */
  public Path scratch(String name) throws IOException {
    return Files.createDirectories(scratch.resolve(name));
  }

  /** One progress line on the terminal (not in the report). */
  public void progress(String format, Object... args) {
    progress.println("  " + String.format(Locale.ROOT, format, args));
    progress.flush();
  }

  public synchronized LabelledImages mnistTrain() throws IOException {
    if (train == null) {
      Datasets.ensureAvailable(Dataset.MNIST);
      train = Datasets.load(Dataset.MNIST, Split.TRAIN);
    }
    return train;
  }

  /** MNIST's test split: for reporting accuracy only, never for choosing anything. */
  public synchronized LabelledImages mnistTest() throws IOException {
    if (test == null) {
      Datasets.ensureAvailable(Dataset.MNIST);
      test = Datasets.load(Dataset.MNIST, Split.TEST);
    }
    return test;
  }
}
