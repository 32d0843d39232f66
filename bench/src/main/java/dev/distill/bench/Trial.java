package dev.distill.bench;

/** One measurement of one side of a comparison: a rate (per second) or another figure. */
@FunctionalInterface
public interface Trial {
  double run() throws Exception;
}
