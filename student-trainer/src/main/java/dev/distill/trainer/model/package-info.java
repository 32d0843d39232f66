/**
 * Networks as DJL blocks, built from the {@link dev.distill.contract.model.Architecture} spec
 * that also names them in ONNX metadata. A {@link dev.distill.trainer.model.Network} takes the
 * raw features every model in the system takes and scales them as its first operation, so a
 * trained network and its ONNX export give the same logits for the same bytes; teachers and
 * students are built here alike.
 */
package dev.distill.trainer.model;
