package dev.distill.trainer.service;

/**
 * What a trainer has done so far, for the demo and tests.
 *
 * @param samplesTrained         fresh soft targets trained in this process's current state (committed or not)
 * @param committedSamples       fresh soft targets in the last committed state, over the model's life
 * @param heldOut                soft targets held out for the validation slice (never trained on) whose
 *                               offsets this process has committed
 * @param versionsPublished      versions published by this process
 * @param publishedVersion       the latest published version number (0 = none)
 * @param lastValidationAccuracy validation-slice accuracy of the last candidate (NaN before the
 *                               first judged one, or without labelled examples in the slice)
 * @param publishedValidationAccuracy validation-slice accuracy of the published version at the
 *                               last decision (NaN when none)
 * @param rejected               candidates the gate rejected in this process
 * @param skippedBatches         batches skipped for a NaN or infinite loss
 * @param deadLettered           soft targets sent to the dead-letter topic
 * @param failure                why the loop stopped, or null while it runs or after a clean close
 */
public record Progress(long samplesTrained, long committedSamples, long heldOut, long versionsPublished,
    long publishedVersion, double lastValidationAccuracy, double publishedValidationAccuracy, long rejected,
    long skippedBatches, long deadLettered, String failure) {
  public static final Progress START = new Progress(0, 0, 0, 0, 0, Double.NaN, Double.NaN, 0, 0, 0, null);

  /** The same progress, stopped by {@code why}. */
  public Progress failed(String why) {
    return new Progress(samplesTrained, committedSamples, heldOut, versionsPublished, publishedVersion,
        lastValidationAccuracy, publishedValidationAccuracy, rejected, skippedBatches, deadLettered, why);
  }
}
