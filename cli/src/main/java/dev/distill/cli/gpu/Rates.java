package dev.distill.cli.gpu;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Samples per second measured in several rounds: the median is the figure, the smallest and the
 * largest round its spread (with a handful of rounds, a percentile would only be one of them).
 */
public record Rates(List<Double> perRound) {
  public Rates {
    if (perRound.isEmpty()) {
      throw new IllegalArgumentException("no rounds measured");
    }
    perRound = List.copyOf(perRound);
  }

  public double median() {
    List<Double> sorted = new ArrayList<>(perRound);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  public double min() {
    return Collections.min(perRound);
  }

  public double max() {
    return Collections.max(perRound);
  }

  /** Round by round, this rate over {@code other}'s: the rounds are interleaved, so each pair saw the same machine. */
  public Rates over(Rates other) {
    if (other.perRound.size() != perRound.size()) {
      throw new IllegalArgumentException(perRound.size() + " rounds against " + other.perRound.size());
    }
    List<Double> ratios = new ArrayList<>();
    for (int i = 0; i < perRound.size(); i++) {
      ratios.add(perRound.get(i) / other.perRound.get(i));
    }
    return new Rates(ratios);
  }

  /** E.g. {@code 9,120 (8,870..9,410)}. */
  public String samplesPerSecond() {
    return String.format(Locale.ROOT, "%,.0f (%,.0f..%,.0f)", median(), min(), max());
  }

  /** E.g. {@code 16.7x (16.1..17.3)}. */
  public String ratio() {
    return String.format(Locale.ROOT, "%.1fx (%.1f..%.1f)", median(), min(), max());
  }
}
