package dev.distill.scorer.testing;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.distill.contract.model.ModelInterface;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The test oracle: runs ONNX models directly (default session options, one sample at a time)
 * and softens their logits by the textbook formula, independently of the scorer's code.
 */
public final class Reference implements AutoCloseable {
  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final List<OrtSession> members = new ArrayList<>();

  public Reference(byte[]... models) {
    try {
      for (byte[] m : models) {
        members.add(env.createSession(m));
      }
    } catch (OrtException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The logits of one member for one sample. */
  public float[] logits(int member, float[] features) {
    try (OnnxTensor in = OnnxTensor.createTensor(env, new float[][] {features});
        OrtSession.Result r = members.get(member).run(Map.of(ModelInterface.INPUT, in))) {
      return ((float[][]) r.get(0).getValue())[0];
    } catch (OrtException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The mean over members of exp(z_i/T) / sum_j exp(z_j/T). */
  public double[] soften(float[] features, double temperature) {
    double[] mean = null;
    for (int m = 0; m < members.size(); m++) {
      float[] z = logits(m, features);
      if (mean == null) {
        mean = new double[z.length];
      }
      double max = Double.NEGATIVE_INFINITY;
      for (float v : z) {
        max = Math.max(max, v);
      }
      double sum = 0;
      for (float v : z) {
        sum += Math.exp((v - max) / temperature);
      }
      for (int i = 0; i < z.length; i++) {
        mean[i] += Math.exp((z[i] - max) / temperature) / sum / members.size();
      }
    }
    return mean;
  }

  @Override
  public void close() throws OrtException {
    for (OrtSession s : members) {
      s.close();
    }
  }
}
