package dev.distill.bench.scorer;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.distill.contract.model.ModelInterface;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * ONNX Runtime alone: one session run after another on the same batch, the logits read out as the
 * scorer reads them, with the scorer's session settings (intra-op 2, inter-op 1, sequential, all
 * optimisations). Each trial runs two sessions in turn, one whose idle intra-op threads spin
 * (ONNX Runtime's default, best on idle cores) and one whose threads sleep (the scorer's default,
 * far better when other processes want the cores), and gives the better: the raw figure is the
 * runtime's best of that moment, never a handicapped one.
 */
final class RawOrt implements AutoCloseable {
  private final OrtSession spinning;
  private final OrtSession sleeping;
  private final OnnxTensor input;
  private final int batch;

  RawOrt(byte[] model, int batch) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    this.batch = batch;
    FloatBuffer x = ByteBuffer.allocateDirect(batch * 784 * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
    Random rnd = new Random(1);
    for (int i = 0; i < batch * 784; i++) {
      x.put(i, rnd.nextInt(256));
    }
    spinning = session(env, model, true);
    sleeping = session(env, model, false);
    input = OnnxTensor.createTensor(env, x, new long[] {batch, 784});
  }

  private static OrtSession session(OrtEnvironment env, byte[] model, boolean spin) throws OrtException {
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
      o.setIntraOpNumThreads(2);
      o.setInterOpNumThreads(1);
      o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
      o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      o.addConfigEntry("session.intra_op.allow_spinning", spin ? "1" : "0");
      return env.createSession(model, o);
    }
  }

  /** Samples per second, the better of the two sessions, each over {@code measureNanos} after {@code warmNanos}. */
  double samplesPerSecond(long warmNanos, long measureNanos) throws OrtException {
    return Math.max(samplesPerSecond(spinning, warmNanos, measureNanos), samplesPerSecond(sleeping, warmNanos, measureNanos));
  }

  private double samplesPerSecond(OrtSession session, long warmNanos, long measureNanos) throws OrtException {
    Map<String, OnnxTensor> feed = Map.of(ModelInterface.INPUT, input);
    Set<String> outputs = Set.of(ModelInterface.OUTPUT);
    long warmEnd = System.nanoTime() + warmNanos;
    while (System.nanoTime() < warmEnd) {
      runOnce(session, feed, outputs);
    }
    long start = System.nanoTime();
    long runs = 0;
    long now;
    do {
      runOnce(session, feed, outputs);
      runs++;
      now = System.nanoTime();
    } while (now - start < measureNanos);
    return runs * (double) batch * 1e9 / (now - start);
  }

  private static void runOnce(OrtSession session, Map<String, OnnxTensor> feed, Set<String> outputs)
      throws OrtException {
    try (OrtSession.Result r = session.run(feed, outputs)) {
      ((OnnxTensor) r.get(0)).getFloatBuffer();
    }
  }

  @Override
  public void close() throws OrtException {
    input.close();
    spinning.close();
    sleeping.close();
  }
}
