/**
 * The student's training loop on the soft-target stream: minibatches of soft targets (plus
 * replayed ones) through one DJL trainer for the life of the process, with a resumable
 * optimizer whose state is saved with the weights, test-then-train (prequential) accuracy and
 * student–teacher agreement, the example the stream is made of, and accuracy on labelled images
 * (for teacher bootstrapping and tests; the service judges candidates on its validation slice).
 */
package dev.distill.trainer.stream;
