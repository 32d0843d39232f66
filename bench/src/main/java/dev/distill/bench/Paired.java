package dev.distill.bench;

/**
 * Rounds of two sides measured in turn: {@code a[i]} and {@code b[i]} ran back to back, so their
 * ratio shares the machine's state of that moment.
 */
public record Paired(double[] a, double[] b) {
  public Paired {
    if (a.length != b.length || a.length == 0) {
      throw new IllegalArgumentException("rounds of unequal length: " + a.length + " and " + b.length);
    }
  }

  public double[] ratios() {
    double[] r = new double[a.length];
    for (int i = 0; i < r.length; i++) {
      r[i] = a[i] / b[i];
    }
    return r;
  }

  /** The median of the per-round ratios a/b, not the ratio of the medians. */
  public Spread ratio() {
    return Spread.of(ratios());
  }

  public Spread sideA() {
    return Spread.of(a);
  }

  public Spread sideB() {
    return Spread.of(b);
  }
}
