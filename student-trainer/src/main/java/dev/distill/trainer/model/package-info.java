/**
 * Networks as DJL blocks, built from the {@link dev.distill.contract.model.Architecture} spec
 * that also names them in ONNX metadata. A {@link dev.distill.trainer.model.Network} takes the
 * raw inputs its {@link dev.distill.trainer.model.StudentInputs} declare (the teacher's own, or
 * the legacy {@code pixels [N, D]}) and preprocesses them as its first operation, so a trained
 * network and its ONNX export give the same logits for the same bytes; {@link
 * dev.distill.trainer.model.Feed} carries one input's values for a batch. Teachers and students
 * are built here alike.
 */
package dev.distill.trainer.model;
