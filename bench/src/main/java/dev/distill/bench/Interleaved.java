package dev.distill.bench;

/**
 * Runs two trials in turn, A B A B ..., so that a machine that slows down part-way (another
 * process, a thermal limit, a noisy neighbour) slows both sides of the same round. The order
 * flips every round (A B, B A, A B ...), so that neither side always runs second, warm.
 */
public final class Interleaved {
  private Interleaved() {}

  public static Paired run(int rounds, Trial a, Trial b) throws Exception {
    if (rounds < 1) {
      throw new IllegalArgumentException("rounds must be positive: " + rounds);
    }
    double[] as = new double[rounds];
    double[] bs = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      if (i % 2 == 0) {
        as[i] = a.run();
        bs[i] = b.run();
      } else {
        bs[i] = b.run();
        as[i] = a.run();
      }
    }
    return new Paired(as, bs);
  }
}
