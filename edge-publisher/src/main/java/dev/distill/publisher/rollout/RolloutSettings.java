package dev.distill.publisher.rollout;

import java.time.Duration;
import java.util.List;

/**
 * How rollouts proceed and when a wave is judged.
 *
 * @param waves increasing fleet fractions ending at 1.0, e.g. 0.01, 0.10, 0.50, 1.0
 * @param minDevicesPerWave a wave covers at least this many devices, however small the fleet
 * @param minWaveDuration a wave is judged no earlier than this after it began
 * @param waveTimeout a wave without enough reports by then is paused for an operator
 * @param deviceTimeout a wave device that has sent no report at all this long after its wave
 *     began is offline: it leaves the count of devices whose reports the wave needs, so that
 *     devices switched off do not stall a wave (zero: never)
 * @param minReportedFraction share of a wave's devices that must have reported on the new
 *     version (running, or failed) before it is judged
 * @param maxFailureRate a wave whose failed share exceeds this is rolled back
 * @param maxAccuracyDrop a wave whose on-device accuracy is lower than the last good
 *     version's by more than this (absolute, e.g. 0.02 = 2 points) is rolled back
 * @param minAccuracy absolute floor of on-device accuracy (0 = none), for a first version
 *     that has no last good version to compare with
 * @param minLabelled labelled on-device samples a wave needs before its accuracy is judged
 * @param autoStart a newly published version starts a rollout by itself
 */
public record RolloutSettings(
    List<Double> waves,
    int minDevicesPerWave,
    Duration minWaveDuration,
    Duration waveTimeout,
    Duration deviceTimeout,
    double minReportedFraction,
    double maxFailureRate,
    double maxAccuracyDrop,
    double minAccuracy,
    long minLabelled,
    boolean autoStart) {

  public static final List<Double> DEFAULT_WAVES = List.of(0.01, 0.10, 0.50, 1.0);

  public RolloutSettings {
    waves = List.copyOf(waves);
    String problem = checkWaves(waves);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    if (deviceTimeout.isNegative()) {
      throw new IllegalArgumentException("the device timeout must not be negative");
    }
  }

  public static RolloutSettings defaults() {
    return new RolloutSettings(DEFAULT_WAVES, 1, Duration.ofMinutes(2), Duration.ofMinutes(30), Duration.ofMinutes(10), 0.8, 0.05,
        0.02, 0.0, 200, true);
  }

  /** Null when the waves are valid, else what is wrong with them. */
  public static String checkWaves(List<Double> waves) {
    if (waves.isEmpty()) {
      return "at least one wave is needed";
    }
    double last = 0;
    for (double w : waves) {
      if (!(w > last) || w > 1.0) {
        return "wave fractions must increase strictly within (0, 1]";
      }
      last = w;
    }
    return last == 1.0 ? null : "the last wave must be 1.0 (the whole fleet)";
  }

  /** Parses {@code "1%,10%,50%,100%"} or {@code "0.01,0.1,0.5,1"}. */
  public static List<Double> parseWaves(String text) {
    List<Double> out = new java.util.ArrayList<>();
    for (String part : text.split(",")) {
      String p = part.trim();
      out.add(p.endsWith("%") ? Double.parseDouble(p.substring(0, p.length() - 1)) / 100 : Double.parseDouble(p));
    }
    return out;
  }
}
