package dev.distill.scorer.teacher;

import dev.distill.contract.model.TeacherManifest;

/**
 * A loaded teacher version: one model, or an ensemble of members that share one {@link
 * TeacherManifest} (inputs and classes; they may differ in architecture). It only computes
 * logits; softening and averaging are {@link Softening}'s, so every teacher is distilled by the
 * same arithmetic. A teacher whose output holds probabilities gives their logarithms, which
 * soften to the same distribution at T = 1.
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

  /** Its inputs, output and classes: how samples feed it. */
  TeacherManifest manifest();

  /** C: number of classes, the second dimension of the output {@code [N, C]}. */
  default int numClasses() {
    return manifest().output().classes();
  }

  /**
   * Runs every member on a batch.
   *
   * @param batch one stacked array per input of the manifest, in the manifest's order
   * @return per member, {@code rows * numClasses()} logits, row-major
   * @throws TeacherException when the runtime fails: the batch is not the samples' fault
   */
  float[][] logits(TeacherBatch batch);

  /** Releases the runtime's resources; called once no batch uses this version any more. */
  @Override
  void close();
}
