package dev.distill.trainer.stream;

/**
 * What one training step did.
 *
 * @param skipped     the loss was NaN or infinite: no update was made
 * @param loss        the total loss (batch mean)
 * @param softLoss    the soft term's batch mean, {@code T^2 * CE}, before weighting by alpha
 * @param hardLoss    the hard term's batch mean over all rows (0 for unlabelled rows)
 * @param predictions the student's argmax on each fresh row before the update (test-then-train)
 */
public record StepResult(boolean skipped, double loss, double softLoss, double hardLoss, int[] predictions) {}
