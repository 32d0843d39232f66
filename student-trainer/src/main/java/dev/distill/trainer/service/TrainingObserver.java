package dev.distill.trainer.service;

import dev.distill.trainer.stream.Example;

/**
 * Sees, on the loop's thread, every example that enters a training batch or the replay buffer
 * and every one held out for validation: the seam through which tests check that the two never
 * meet, and that a restarted trainer judges candidates against the published version's weights.
 * Production runs with {@link #NONE}.
 */
interface TrainingObserver {
  TrainingObserver NONE = new TrainingObserver() {};

  /** The example is a row of a training batch (fresh or replayed) or was put into the replay buffer. */
  default void trainedOn(Example e) {}

  /** The example went to the validation slice instead of training. */
  default void heldOut(Example e) {}

  /** At start-up: the published version's weights were restored, and candidates are measured against them. */
  default void gatesAgainst(long publishedVersion) {}
}
