/**
 * {@code distill experiment NAME}: the paper's results reproduced through the stream. A {@link
 * dev.distill.cli.experiment.Lab} scores the training split once with the real teacher-scorer on
 * an embedded broker; each {@link dev.distill.cli.experiment.Arm} then streams a composition of
 * those soft targets (repeated passes, a label budget, a class left out, a drifting order) into
 * its own topics, where a real student-trainer learns from them; every published version is
 * evaluated in ONNX Runtime on the test split. Nothing is a constant: every figure comes from the
 * run.
 */
package dev.distill.cli.experiment;
