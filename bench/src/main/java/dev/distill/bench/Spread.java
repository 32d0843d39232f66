package dev.distill.bench;

import java.util.Arrays;

/** The median of a handful of measurements, with their smallest and largest. */
public record Spread(double median, double min, double max, int n) {
  public static Spread of(double... values) {
    if (values.length == 0) {
      throw new IllegalArgumentException("no values");
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    return new Spread(median, sorted[0], sorted[n - 1], n);
  }

  /** (max - min) / median: how far apart the rounds were, as a share of the median. */
  public double relativeRange() {
    return median == 0 ? 0 : (max - min) / Math.abs(median);
  }
}
