package dev.distill.trainer.validation;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.distill.trainer.model.Feed;
import dev.distill.trainer.model.StudentInputs;
import dev.distill.trainer.stream.Example;
import dev.distill.trainer.stream.Rows;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How a published artifact does on the validation slice when ONNX Runtime runs it, as a device
 * does: what a variant (fp16, int8 or a quantized update) loses against the fp32 artifact is
 * measured on the artifacts themselves, not on the engine's copy of the weights. One intra-op
 * thread: the training engine has the cores.
 *
 * @param examples examples evaluated
 * @param labelled of which carry a hard label
 * @param accuracy share of the labelled ones whose label is the artifact's argmax (NaN without labels)
 * @param agreement share of all where the artifact's argmax is the teacher's
 */
public record OnnxSliceMetrics(int examples, int labelled, double accuracy, double agreement) {
  private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();
  private static final int BATCH = 500;

  /**
   * @throws OrtException when ONNX Runtime cannot load or run the artifact
   * @throws IllegalArgumentException for an input type this evaluation cannot feed (float16)
   */
  public static OnnxSliceMetrics measure(byte[] onnx, StudentInputs inputs, List<Example> slice) throws OrtException {
    int labelled = 0;
    int correct = 0;
    int agreed = 0;
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(1);
      options.setInterOpNumThreads(1);
      try (OrtSession session = ENV.createSession(onnx, options)) {
        for (int from = 0; from < slice.size(); from += BATCH) {
          List<Example> rows = slice.subList(from, Math.min(slice.size(), from + BATCH));
          float[][] logits = logits(session, inputs, rows);
          for (int i = 0; i < rows.size(); i++) {
            Example e = rows.get(i);
            int predicted = SliceMetrics.argmax(logits[i], 0, logits[i].length);
            agreed += predicted == e.teacherClass() ? 1 : 0;
            if (e.labelled()) {
              labelled++;
              correct += predicted == e.label() ? 1 : 0;
            }
          }
        }
      }
    }
    int n = slice.size();
    return new OnnxSliceMetrics(n, labelled, labelled == 0 ? Double.NaN : (double) correct / labelled,
        n == 0 ? Double.NaN : (double) agreed / n);
  }

  private static float[][] logits(OrtSession session, StudentInputs inputs, List<Example> rows) throws OrtException {
    List<Feed> feeds = Rows.stack(inputs, rows);
    Map<String, OnnxTensor> in = new HashMap<>();
    List<OnnxTensor> open = new ArrayList<>();
    try {
      for (int i = 0; i < feeds.size(); i++) {
        StudentInputs.Input input = inputs.inputs().get(i);
        OnnxTensor t = tensor(input, feeds.get(i), rows.size());
        open.add(t);
        in.put(input.name(), t);
      }
      try (OrtSession.Result r = session.run(in)) {
        return (float[][]) r.get(0).getValue();
      }
    } finally {
      open.forEach(OnnxTensor::close);
    }
  }

  /** The feed as the input's ONNX element type: raw values, the graph preprocesses them. */
  private static OnnxTensor tensor(StudentInputs.Input input, Feed feed, int rows) throws OrtException {
    long[] shape = input.batchShape(rows, feed.length());
    return switch (input.dtype()) {
      case FLOAT32 -> OnnxTensor.createTensor(ENV, FloatBuffer.wrap(((Feed.Floats) feed).values()), shape);
      case UINT8 -> {
        float[] v = ((Feed.Floats) feed).values();
        ByteBuffer b = ByteBuffer.allocateDirect(v.length).order(ByteOrder.nativeOrder());
        for (float x : v) {
          b.put((byte) (int) x);
        }
        b.flip();
        yield OnnxTensor.createTensor(ENV, b, shape, OnnxJavaType.UINT8);
      }
      case INT64 -> OnnxTensor.createTensor(ENV, LongBuffer.wrap(((Feed.Longs) feed).values()), shape);
      case INT32 -> {
        long[] v = ((Feed.Longs) feed).values();
        int[] w = new int[v.length];
        for (int i = 0; i < v.length; i++) {
          w[i] = (int) v[i];
        }
        yield OnnxTensor.createTensor(ENV, IntBuffer.wrap(w), shape);
      }
      default -> throw new IllegalArgumentException("input '" + input.name() + "' is " + input.dtype()
          + ", which the artifact evaluation does not feed");
    };
  }
}
