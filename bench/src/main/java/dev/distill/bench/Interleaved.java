package dev.distill.bench;

import java.util.List;

/**
 * Runs trials in turn, round after round, so that a machine that slows down part-way (another
 * process, a thermal limit, a noisy neighbour) slows every side of the same round. The order
 * reverses every round (A B C, C B A, A B C ...), so that any two sides swap order from one round
 * to the next and neither always runs second, warm.
 */
public final class Interleaved {
  /** Told after each round: its index and every side's figures so far ({@code [side][round]}). */
  @FunctionalInterface
  public interface RoundDone {
    void after(int round, double[][] figures);
  }

  private Interleaved() {}

  /** Two sides, A B, B A, ...: their ratio a/b is taken per round ({@link Paired}). */
  public static Paired run(int rounds, Trial a, Trial b) throws Exception {
    double[][] f = inTurn(rounds, List.of(a, b), (r, x) -> { });
    return new Paired(f[0], f[1]);
  }

  /** Any number of sides, each run once per round in turn; {@code [side][round]}. */
  public static double[][] inTurn(int rounds, List<Trial> sides, RoundDone done) throws Exception {
    if (rounds < 1) {
      throw new IllegalArgumentException("rounds must be positive: " + rounds);
    }
    double[][] out = new double[sides.size()][rounds];
    for (int r = 0; r < rounds; r++) {
      for (int k = 0; k < sides.size(); k++) {
        int side = r % 2 == 0 ? k : sides.size() - 1 - k;
        out[side][r] = sides.get(side).run();
      }
      done.after(r, out);
    }
    return out;
  }
}
