package dev.distill.bench;

/** One area of the benchmark: sets up what it needs, measures, and adds its rows to the report. */
public interface Section {
  /** A short lower-case name, for {@code distill bench --only} and the report's headings. */
  String name();

  void run(BenchContext context) throws Exception;
}
