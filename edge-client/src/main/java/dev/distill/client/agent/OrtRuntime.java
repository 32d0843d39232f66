package dev.distill.client.agent;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.OnnxJavaType;
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
  private final boolean foldWeightDequantization;

  public OrtRuntime(int intraOpThreads) {
    this(intraOpThreads, true);
  }

  /**
   * @param foldWeightDequantization {@link #FOLD_WEIGHT_DEQUANTIZATION}: what devices do; off,
   *     ONNX Runtime's defaults (the bench's comparison)
   */
  public OrtRuntime(int intraOpThreads, boolean foldWeightDequantization) {
    this.threads = intraOpThreads;
    this.foldWeightDequantization = foldWeightDequantization;
  }

  /**
   * ONNX Runtime's session option that lets constant folding fold a DequantizeLinear of an
   * initializer: distill's int8 variant is weight-only (int8 weights, float32 arithmetic), and
   * unfolded, the dequantization runs at every inference ({@code distill bench}: an int8 image
   * took about 3 times an fp32 one). Folded, the weights become float32 once, at load. It would
   * also stop the fusion of a model quantized with activations (QDQ) into integer kernels, which
   * no student published by distill is.
   */
  static final String FOLD_WEIGHT_DEQUANTIZATION = "session.disable_quant_qdq";

  @Override
  public LoadedModel load(Path onnx) throws OrtException {
    OrtSession session;
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(threads);
      options.setInterOpNumThreads(1);
      if (foldWeightDequantization) {
        options.addConfigEntry(FOLD_WEIGHT_DEQUANTIZATION, "1");
      }
      session = env.createSession(onnx.toString(), options);
    }
    try {
      // a student takes its teacher's raw sample tensor: one input of any name, float32 or uint8,
      // fixed per-sample dimensions ([N, 784] of old, [N, 1, 28, 28] or [N, 28, 28] now)
      Map<String, NodeInfo> inputs = session.getInputInfo();
      if (inputs.size() != 1 || session.getOutputInfo().size() < 1) {
        throw new IllegalArgumentException("this agent feeds models with one input, the model has " + inputs.keySet());
      }
      NodeInfo in = inputs.values().iterator().next();
      if (!(in.getInfo() instanceof TensorInfo t) || (t.type != OnnxJavaType.FLOAT && t.type != OnnxJavaType.UINT8)
          || t.getShape().length < 2) {
        throw new IllegalArgumentException("input '" + in.getName() + "' must be a float32 or uint8 tensor [N, ...], got "
            + in.getInfo());
      }
      long[] shape = t.getShape().clone();
      long d = 1;
      for (int i = 1; i < shape.length; i++) {
        if (shape[i] <= 0) {
          throw new IllegalArgumentException("input '" + in.getName() + "' needs fixed per-sample dimensions, got "
              + java.util.Arrays.toString(shape));
        }
        d *= shape[i];
      }
      String output = session.getOutputInfo().keySet().iterator().next();
      return new Session(env, session, in.getName(), output, shape, (int) d, t.type == OnnxJavaType.UINT8);
    } catch (RuntimeException e) {
      session.close();
      throw e;
    }
  }

  private static final class Session implements LoadedModel {
    private final OrtEnvironment env;
    private final OrtSession session;
    private final String input;
    private final String output;
    private final long[] shape;
    private final int d;
    private final boolean bytes;

    Session(OrtEnvironment env, OrtSession session, String input, String output, long[] shape, int d, boolean bytes) {
      this.env = env;
      this.session = session;
      this.input = input;
      this.output = output;
      this.shape = shape;
      this.d = d;
      this.bytes = bytes;
    }

    @Override
    public int inputSize() {
      return d;
    }

    @Override
    public float[][] logits(float[] features, int n) throws OrtException {
      long[] batch = shape.clone();
      batch[0] = n;
      try (OnnxTensor x = bytes ? OnnxTensor.createTensor(env, toBytes(features, n * d), batch, OnnxJavaType.UINT8)
              : OnnxTensor.createTensor(env, FloatBuffer.wrap(features, 0, n * d), batch);
          OrtSession.Result r = session.run(Map.of(input, x))) {
        Object out = r.get(output).orElseThrow(() -> new IllegalStateException("no output '" + output + "'")).getValue();
        return (float[][]) out;
      }
    }

    private static java.nio.ByteBuffer toBytes(float[] features, int count) {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(count);
      for (int i = 0; i < count; i++) {
        b.put(i, (byte) (int) features[i]);
      }
      return b;
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
