package dev.distill.cli.report;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.model.ModelInterface;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * A published ONNX model run in ONNX Runtime, as the devices run it, over a labelled split: its
 * logits, from which errors and accuracies are counted. The figure belongs to the artifact that
 * was shipped, not to the trainer's copy, and the trainer's own validation figure is not taken on trust.
 */
public final class OnnxEvaluation {
  private static final int BATCH = 1_000;
  private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

  private final LabelledImages images;
  private final float[] logits;
  private final int classes;

  private OnnxEvaluation(LabelledImages images, float[] logits, int classes) {
    this.images = images;
    this.logits = logits;
    this.classes = classes;
  }

  public static OnnxEvaluation of(byte[] onnx, LabelledImages images) throws OrtException {
    int d = images.pixelsPerImage();
    float[] all = null;
    int classes = 0;
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(2);
      try (OrtSession session = ENV.createSession(onnx, options)) {
        for (int from = 0; from < images.count(); from += BATCH) {
          int n = Math.min(BATCH, images.count() - from);
          float[] x = images.floats(from, n);
          try (OnnxTensor input = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(x), new long[] {n, d});
              OrtSession.Result result = session.run(Map.of(ModelInterface.INPUT, input))) {
            float[][] z = (float[][]) result.get(0).getValue();
            if (all == null) {
              classes = z[0].length;
              all = new float[images.count() * classes];
            }
            for (int i = 0; i < n; i++) {
              System.arraycopy(z[i], 0, all, (from + i) * classes, classes);
            }
          }
        }
      }
    }
    return new OnnxEvaluation(images, all, classes);
  }

  /** The predicted class of image {@code i} after adding {@code shift} to the logit of class {@code shifted}. */
  public int predict(int i, int shifted, float shift) {
    int best = 0;
    float bestScore = Float.NEGATIVE_INFINITY;
    for (int k = 0; k < classes; k++) {
      float s = logits[i * classes + k] + (k == shifted ? shift : 0f);
      if (s > bestScore) {
        bestScore = s;
        best = k;
      }
    }
    return best;
  }

  /** softmax of image {@code i}'s logits, in double precision. */
  public double[] softmax(int i) {
    double max = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < classes; k++) {
      max = Math.max(max, logits[i * classes + k]);
    }
    double[] p = new double[classes];
    double sum = 0;
    for (int k = 0; k < classes; k++) {
      p[k] = Math.exp(logits[i * classes + k] - max);
      sum += p[k];
    }
    for (int k = 0; k < classes; k++) {
      p[k] /= sum;
    }
    return p;
  }

  public int errors() {
    return errors(0, 0f);
  }

  /** Errors over the whole split with a shift of one class's logit (its bias, in effect). */
  public int errors(int shifted, float shift) {
    int errors = 0;
    for (int i = 0; i < images.count(); i++) {
      errors += predict(i, shifted, shift) == images.label(i) ? 0 : 1;
    }
    return errors;
  }

  /** Accuracy on the images of classes {@code [from, to]}. */
  public double accuracyOn(int from, int to, int shifted, float shift) {
    int n = 0;
    int correct = 0;
    for (int i = 0; i < images.count(); i++) {
      int y = images.label(i);
      if (y >= from && y <= to) {
        n++;
        correct += predict(i, shifted, shift) == y ? 1 : 0;
      }
    }
    return n == 0 ? Double.NaN : correct / (double) n;
  }

  /** How often class {@code k} is predicted, with the shift, as a fraction of all images (labels unused). */
  public double predictedShare(int k, int shifted, float shift) {
    int hits = 0;
    for (int i = 0; i < images.count(); i++) {
      hits += predict(i, shifted, shift) == k ? 1 : 0;
    }
    return hits / (double) images.count();
  }

  public int count() {
    return images.count();
  }
}
