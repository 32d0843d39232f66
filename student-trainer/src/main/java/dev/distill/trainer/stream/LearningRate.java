package dev.distill.trainer.stream;

/**
 * A learning-rate schedule over optimizer steps: {@code constant}, or {@code cosine} decay from the
 * base rate to 0 over a number of steps (and 0 after; a stream has no end, so cosine suits a run
 * of known length such as a calibration pass).
 */
public record LearningRate(Schedule schedule, float base, long steps) {
  public enum Schedule { CONSTANT, COSINE }

  public LearningRate {
    if (!(base > 0 && Float.isFinite(base))) {
      throw new IllegalArgumentException("the learning rate must be positive, got " + base);
    }
    if (schedule == Schedule.COSINE && steps < 1) {
      throw new IllegalArgumentException("a cosine schedule needs at least one step, got " + steps);
    }
  }

  public static LearningRate constant(float base) {
    return new LearningRate(Schedule.CONSTANT, base, 0);
  }

  /** The rate of step {@code step} (1-based). */
  public float at(long step) {
    if (schedule == Schedule.CONSTANT) {
      return base;
    }
    double done = Math.min(1.0, (step - 1) / (double) steps);
    return (float) (base * 0.5 * (1 + Math.cos(Math.PI * done)));
  }
}
