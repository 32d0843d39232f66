package dev.distill.trainer.teacher;

import java.time.Duration;

/**
 * Where a teacher's training stands, reported after every minibatch and at the end of every
 * epoch, so that a caller can draw a progress line (the library prints nothing).
 *
 * @param member       the ensemble member being trained, from 0
 * @param epoch        the epoch under way, from 1
 * @param samples      training samples processed so far, over all members and epochs
 * @param totalSamples samples the whole run will process
 * @param loss         mean training loss (cross-entropy, nats) over this epoch so far
 * @param elapsed      since the run started
 * @param epochDone    whether this report closes the epoch
 */
public record TrainingProgress(int member, int members, int epoch, int epochs, long samples, long totalSamples,
    double loss, Duration elapsed, boolean epochDone) {

  /** Receives progress reports, on the training thread: keep it quick. */
  @FunctionalInterface
  public interface Listener {
    Listener NONE = p -> { };

    void onProgress(TrainingProgress progress);
  }
}
