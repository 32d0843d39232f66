package dev.distill.trainer.service;

/**
 * What a trainer has done so far, for the demo and tests.
 *
 * @param samplesTrained         fresh soft targets trained in this process's current state (committed or not)
 * @param committedSamples       fresh soft targets in the last committed state, over the model's life
 * @param versionsPublished      versions published by this process
 * @param publishedVersion       the latest published version number (0 = none)
 * @param lastHoldoutAccuracy    holdout accuracy of the last candidate (NaN before the first or without a holdout)
 * @param publishedHoldoutAccuracy holdout accuracy of the published version (NaN when none)
 * @param rejected               candidates the gate rejected in this process
 * @param skippedBatches         batches skipped for a NaN or infinite loss
 * @param deadLettered           soft targets sent to the dead-letter topic
 * @param failure                why the loop stopped, or null while it runs or after a clean close
 */
public record Progress(long samplesTrained, long committedSamples, long versionsPublished, long publishedVersion,
    double lastHoldoutAccuracy, double publishedHoldoutAccuracy, long rejected, long skippedBatches,
    long deadLettered, String failure) {}
