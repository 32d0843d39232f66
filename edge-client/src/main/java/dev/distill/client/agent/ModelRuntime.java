package dev.distill.client.agent;

import java.nio.file.Path;

/** Loads model files; the agent's seam for tests and for engines other than ONNX Runtime. */
public interface ModelRuntime {
  LoadedModel load(Path onnx) throws Exception;

  /**
   * A model ready for inference: one input of fixed per-sample shape (raw values, e.g. pixels
   * 0..255: a student's preprocessing is inside its graph), its first output the class logits.
   */
  interface LoadedModel extends AutoCloseable {
    /** D: values per sample (the product of the input's per-sample dimensions). */
    int inputSize();

    /** Logits for {@code n} samples laid out row-major in {@code features}, in raw units. */
    float[][] logits(float[] features, int n) throws Exception;

    @Override
    void close();
  }
}
