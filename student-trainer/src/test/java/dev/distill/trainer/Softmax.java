package dev.distill.trainer;

/** softmax(z/T) in double precision, written out independently of the code under test. */
public final class Softmax {
  private Softmax() {}

  public static double[] of(double[] z, double t) {
    double max = Double.NEGATIVE_INFINITY;
    for (double v : z) {
      max = Math.max(max, v / t);
    }
    double sum = 0;
    double[] p = new double[z.length];
    for (int k = 0; k < z.length; k++) {
      p[k] = Math.exp(z[k] / t - max);
      sum += p[k];
    }
    for (int k = 0; k < z.length; k++) {
      p[k] /= sum;
    }
    return p;
  }

  /** Row {@code row} of a row-major float matrix of width {@code width}. */
  public static double[] row(float[] z, int row, int width) {
    double[] out = new double[width];
    for (int k = 0; k < width; k++) {
      out[k] = z[row * width + k];
    }
    return out;
  }
}
