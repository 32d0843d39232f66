/**
 * Continual learning's memory: a bounded, uniformly sampled (reservoir) buffer of past soft
 * targets, mixed into each fresh minibatch so the student does not forget what the stream no
 * longer shows.
 */
package dev.distill.trainer.replay;
