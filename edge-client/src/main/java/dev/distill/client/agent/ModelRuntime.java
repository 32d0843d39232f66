package dev.distill.client.agent;

import java.nio.file.Path;

/** Loads model files; the agent's seam for tests and for engines other than ONNX Runtime. */
public interface ModelRuntime {
  LoadedModel load(Path onnx) throws Exception;

  /** A model ready for inference (the shared interface: input "pixels" [N, D], output "logits" [N, C]). */
  interface LoadedModel extends AutoCloseable {
    /** D: features per sample. */
    int inputSize();

    /** Logits for {@code n} samples laid out row-major in {@code features}. */
    float[][] logits(float[] features, int n) throws Exception;

    @Override
    void close();
  }
}
