package dev.distill.cli.demo;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.model.ModelInterface;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * Counts a model's errors on a labelled split by running its ONNX file in ONNX Runtime, as a
 * device would: the figure belongs to the artifact that was shipped, not to the trainer's copy.
 */
final class OnnxEvaluator {
  private static final int BATCH = 500;

  private OnnxEvaluator() {}

  static int errors(byte[] onnx, LabelledImages data) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(2);
      options.setInterOpNumThreads(1);
      try (OrtSession session = env.createSession(onnx, options)) {
        int d = data.pixelsPerImage();
        int errors = 0;
        for (int start = 0; start < data.count(); start += BATCH) {
          int n = Math.min(BATCH, data.count() - start);
          float[] x = new float[n * d];
          for (int i = 0; i < n; i++) {
            byte[] img = data.image(start + i);
            for (int k = 0; k < d; k++) {
              x[i * d + k] = img[k] & 0xff; // raw pixel units: scaling is inside the graph (ModelInterface)
            }
          }
          try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {n, d});
               OrtSession.Result r = session.run(Map.of(ModelInterface.INPUT, in))) {
            float[][] logits = (float[][]) r.get(ModelInterface.OUTPUT).orElseThrow().getValue();
            for (int i = 0; i < n; i++) {
              errors += argmax(logits[i]) == data.label(start + i) ? 0 : 1;
            }
          }
        }
        return errors;
      }
    }
  }

  private static int argmax(float[] v) {
    int best = 0;
    for (int k = 1; k < v.length; k++) {
      if (v[k] > v[best]) {
        best = k;
      }
    }
    return best;
  }
}
