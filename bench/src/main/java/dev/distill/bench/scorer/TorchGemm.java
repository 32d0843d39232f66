package dev.distill.bench.scorer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.distill.trainer.engine.EngineSettings;
import dev.distill.trainer.engine.TrainingDevice;
import dev.distill.trainer.engine.TrainingEngine;

/**
 * The same matrix products as the teacher's dense layers, {@code [batch, in] x [in, out]}, through
 * libtorch's CPU matmul (its BLAS SGEMM) on as many threads as ONNX Runtime gets: what a good GEMM
 * does with these shapes on this machine, now. No bias, no ReLU: only the FLOP that are counted.
 */
final class TorchGemm implements AutoCloseable {
  private final TrainingEngine engine;
  private final NDManager manager;
  private final NDArray x;
  private final NDArray[] weights;
  private final int[] layers;
  private final int batch;

  TorchGemm(int[] layers, int batch, int threads) {
    EngineSettings defaults = EngineSettings.defaults();
    this.engine = TrainingEngine.start(new EngineSettings(defaults.cacheDir(), threads, 1, TrainingDevice.CPU));
    this.layers = layers.clone();
    this.batch = batch;
    this.manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
    manager.getEngine().setRandomSeed(1);
    this.x = manager.randomUniform(0, 1, new Shape(batch, layers[0]));
    this.weights = new NDArray[layers.length - 1];
    for (int i = 1; i < layers.length; i++) {
      weights[i - 1] = manager.randomNormal(new Shape(layers[i - 1], layers[i]));
    }
  }

  /** What the row's detail names: engine, threads. */
  String describe() {
    return engine.engineName() + " matmul (its BLAS SGEMM), " + engine.intraOpThreads() + " intra-op threads";
  }

  /** FLOP per second over {@code measureNanos}, after {@code warmNanos} unmeasured. */
  double flopPerSecond(long warmNanos, long measureNanos) {
    long warmEnd = System.nanoTime() + warmNanos;
    while (System.nanoTime() < warmEnd) {
      forward();
    }
    long start = System.nanoTime();
    long runs = 0;
    long now;
    do {
      forward();
      runs++;
      now = System.nanoTime();
    } while (now - start < measureNanos);
    return runs * batch * Teachers.flopPerSample(layers) * 1e9 / (now - start);
  }

  private void forward() {
    NDArray h = x;
    for (NDArray w : weights) {
      NDArray next = h.matMul(w);
      if (h != x) {
        h.close();
      }
      h = next;
    }
    h.toFloatArray(); // waits for the result, as ONNX Runtime's read-out does
    h.close();
  }

  @Override
  public void close() {
    manager.close();
  }
}
