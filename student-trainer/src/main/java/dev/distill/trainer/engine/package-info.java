/**
 * Starting DJL's PyTorch engine the one way this project runs it: offline (the natives come
 * with the build, nothing is downloaded), with its natives cached under the data home, with
 * PyTorch's thread pools capped before they exist (oversubscribing two cores was measured to
 * cost more than 10x), and on a GPU whenever one is visible unless told otherwise
 * ({@link dev.distill.trainer.engine.TrainingDevice}). Every trainer in the process shares the
 * one {@link dev.distill.trainer.engine.TrainingEngine}.
 */
package dev.distill.trainer.engine;
