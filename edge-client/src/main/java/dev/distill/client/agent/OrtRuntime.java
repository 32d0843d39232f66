package dev.distill.client.agent;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.distill.contract.model.ModelInterface;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;

/**
 * ONNX Runtime models sharing one environment. Each session gets one intra-op thread: a
 * simulated fleet runs many small sessions in one JVM, and on two cores more threads per
 * session only fight each other.
 */
public final class OrtRuntime implements ModelRuntime {
  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final int threads;

  public OrtRuntime(int intraOpThreads) {
    this.threads = intraOpThreads;
  }

  @Override
  public LoadedModel load(Path onnx) throws OrtException {
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    options.setIntraOpNumThreads(threads);
    options.setInterOpNumThreads(1);
    OrtSession session = env.createSession(onnx.toString(), options);
    try {
      NodeInfo in = session.getInputInfo().get(ModelInterface.INPUT);
      if (in == null || !(in.getInfo() instanceof TensorInfo t) || t.getShape().length != 2 || t.getShape()[1] <= 0) {
        throw new IllegalArgumentException("model has no float input '" + ModelInterface.INPUT + "' of shape [N, D]");
      }
      int d = (int) t.getShape()[1];
      return new Session(env, session, d);
    } catch (RuntimeException e) {
      session.close();
      throw e;
    }
  }

  private static final class Session implements LoadedModel {
    private final OrtEnvironment env;
    private final OrtSession session;
    private final int d;

    Session(OrtEnvironment env, OrtSession session, int d) {
      this.env = env;
      this.session = session;
      this.d = d;
    }

    @Override
    public int inputSize() {
      return d;
    }

    @Override
    public float[][] logits(float[] features, int n) throws OrtException {
      try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(features, 0, n * d), new long[] {n, d});
          OrtSession.Result r = session.run(Map.of(ModelInterface.INPUT, x))) {
        Object out = r.get(ModelInterface.OUTPUT).orElseThrow(() -> new IllegalStateException("no output 'logits'")).getValue();
        return (float[][]) out;
      }
    }

    @Override
    public void close() {
      try {
        session.close();
      } catch (OrtException e) {
        // closing a session releases native memory; nothing to do if it complains
      }
    }
  }
}
