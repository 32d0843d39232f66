package dev.distill.scorer.teacher;

/**
 * The soft targets of Hinton et al. (2015): {@code q_i = exp(z_i/T) / sum_j exp(z_j/T)} per
 * member, averaged over the members of an ensemble. Computed in double precision from the float
 * logits (stored as float afterwards), so the only rounding a soft target carries is the last one.
 */
public final class Softening {
  private Softening() {}

  /**
   * The ensemble's softened distribution for one row of a batch.
   *
   * @param logits per member, {@code rows * classes} logits, row-major (as {@link Teacher#logits} returns)
   * @return the mean over members of softmax(z/T), or null when a member gave a non-finite logit
   */
  public static double[] ensembleRow(float[][] logits, int row, int classes, double temperature) {
    double[] mean = new double[classes];
    double weight = 1.0 / logits.length;
    for (float[] member : logits) {
      if (!accumulate(member, row * classes, classes, temperature, weight, mean)) {
        return null;
      }
    }
    return mean;
  }

  /** softmax(z/T) of one logit vector. */
  public static double[] soften(float[] z, double temperature) {
    double[] p = new double[z.length];
    if (!accumulate(z, 0, z.length, temperature, 1.0, p)) {
      throw new IllegalArgumentException("logits must be finite");
    }
    return p;
  }

  /** Adds {@code weight * softmax(z[from..from+n) / T)} to {@code out}; false if a logit is not finite. */
  private static boolean accumulate(float[] z, int from, int n, double temperature, double weight, double[] out) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      float v = z[from + i];
      if (!Float.isFinite(v)) {
        return false;
      }
      max = Math.max(max, v);
    }
    // shifting by the max keeps exp() from overflowing; it cancels in the ratio
    double[] e = new double[n];
    double sum = 0;
    for (int i = 0; i < n; i++) {
      e[i] = Math.exp((z[from + i] - max) / temperature);
      sum += e[i];
    }
    for (int i = 0; i < n; i++) {
      out[i] += weight * e[i] / sum;
    }
    return true;
  }
}
