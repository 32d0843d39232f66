package dev.distill.scorer.teacher;

import java.nio.FloatBuffer;

/**
 * A loaded teacher version: one model, or an ensemble of members that agree on the input size
 * and the classes (they may differ in architecture). It only computes logits; softening and
 * averaging are {@link Softening}'s, so every teacher is distilled by the same arithmetic.
 *
 * <p>Implementations are safe for concurrent {@link #logits} calls (one per stream thread).
 */
public interface Teacher extends AutoCloseable {
  /** The stable teacher id, e.g. {@code mnist}. */
  String id();

  /** The version in the teacher store ({@code v<N>}). */
  int version();

  /** The version as soft targets carry it. */
  default String versionLabel() {
    return Integer.toString(version());
  }

  int ensembleSize();

  /** D: features per sample, the second dimension of the input {@code [N, D]}. */
  int inputSize();

  /** C: number of classes, the second dimension of the output {@code [N, C]}. */
  int numClasses();

  /**
   * Runs every member on a batch.
   *
   * @param batch {@code rows * inputSize()} features, row-major, in raw units, from position 0
   *     (a direct buffer spares a copy)
   * @return per member, {@code rows * numClasses()} logits, row-major
   * @throws TeacherException when the runtime fails: the batch is not the samples' fault
   */
  float[][] logits(FloatBuffer batch, int rows);

  /** Releases the runtime's resources; called once no batch uses this version any more. */
  @Override
  void close();
}
