/**
 * Writing ONNX models from Java: {@link dev.distill.contract.onnx.OnnxGraph} chains the layers
 * this project trains (Gemm, Conv, pooling, reshapes, ReLU) and {@link
 * dev.distill.contract.onnx.OnnxModel} adds provenance metadata and serializes the file. ONNX
 * is the interchange format at both ends: teachers are scored in ONNX Runtime, students run on
 * devices in ONNX Runtime. {@link dev.distill.contract.onnx.WeightQuantizer} turns any float32
 * model into its fp16 or int8 variant (weight-only: smaller downloads, the same float arithmetic).
 * Written by field number on protobuf's wire format, so no copy of
 * onnx.proto is needed.
 */
package dev.distill.contract.onnx;
