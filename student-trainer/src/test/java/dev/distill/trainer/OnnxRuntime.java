package dev.distill.trainer;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.model.ModelInterface;
import java.nio.FloatBuffer;
import java.util.Map;

/** Runs exported models the way the scorer and the devices will: in ONNX Runtime, on raw pixels. */
public final class OnnxRuntime {
  public static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

  private OnnxRuntime() {}

  /** The first {@code n} images of a split as raw pixel values (0..255), row-major: the model input. */
  public static float[] rawPixels(LabelledImages images, int n) {
    float[] out = new float[n * images.pixelsPerImage()];
    for (int j = 0; j < out.length; j++) {
      out[j] = images.pixels()[j] & 0xff;
    }
    return out;
  }

  /** The logits of {@code rows} samples of {@code width} features, row-major. */
  public static float[] logits(byte[] model, float[] features, int rows) throws OrtException {
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(1); // the training engine has the cores
      try (OrtSession session = ENV.createSession(model, options);
          OnnxTensor x = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(features),
              new long[] {rows, features.length / rows});
          OrtSession.Result result = session.run(Map.of(ModelInterface.INPUT, x))) {
        float[][] logits = (float[][]) result.get(0).getValue();
        float[] flat = new float[rows * logits[0].length];
        for (int i = 0; i < rows; i++) {
          System.arraycopy(logits[i], 0, flat, i * logits[i].length, logits[i].length);
        }
        return flat;
      }
    }
  }

  /** ONNX metadata of a model file: its {@code distill.*} provenance, among others. */
  public static Map<String, String> metadata(byte[] model) throws OrtException {
    try (OrtSession session = ENV.createSession(model)) {
      return session.getMetadata().getCustomMetadata();
    }
  }
}
