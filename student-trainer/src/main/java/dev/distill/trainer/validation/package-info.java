/**
 * Judging candidates without a test split: the validation slice of the stream (sample ids chosen
 * by a stable hash, held out of training, bounded by a bottom-k sample), the metrics a network
 * gets on it (agreement with the teacher and KL to its soft targets always, accuracy where labels
 * exist), and an inference copy of the published version measured on the same slice.
 */
package dev.distill.trainer.validation;
