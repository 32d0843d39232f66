package dev.distill.scorer.teacher;

import java.util.List;

/**
 * One batch for a teacher: per input of its manifest, the values of {@code rows} samples stacked
 * row-major under a shape whose first dimension is {@code rows}. Float inputs are already
 * preprocessed; integer inputs (token ids, masks, raw bytes) are carried as longs.
 */
public record TeacherBatch(int rows, List<Input> inputs) {
  public TeacherBatch {
    inputs = List.copyOf(inputs);
  }

  /** One input: exactly one of {@code floats} and {@code longs} is set. */
  public record Input(String name, long[] shape, float[] floats, long[] longs) {}
}
