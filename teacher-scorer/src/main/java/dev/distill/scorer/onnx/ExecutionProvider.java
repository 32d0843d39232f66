package dev.distill.scorer.onnx;

/** Where ONNX Runtime runs the teacher: {@code auto} takes CUDA when this build and machine have it. */
public enum ExecutionProvider {
  AUTO,
  CPU,
  CUDA
}
