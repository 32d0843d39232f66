package dev.distill.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import dev.distill.contract.model.Architecture;
import dev.distill.trainer.Mnist;
import dev.distill.trainer.OnnxRuntime;
import dev.distill.trainer.engine.TrainingEngine;
import java.util.List;
import org.junit.jupiter.api.Test;

class NetworkTest {
  private final TrainingEngine engine = TrainingEngine.start();

  private Network initialized(String spec, float scale, float dropout) {
    Network n = Network.create(engine, Architecture.parse(spec), scale, dropout);
    engine.seed(42);
    n.initialize();
    return n;
  }

  private static float[] logits(Network n, float[] features, int rows) {
    try (NDManager call = n.model().getNDManager().newSubManager()) {
      return n.logits(call, features, rows);
    }
  }

  @Test
  void weightsComeOutInTheLayoutsOnnxTakes() {
    try (Network cnn = initialized("cnn:28x28-c32-c64-f256-10", Network.PIXEL_SCALE, 0.3f)) {
      List<LayerWeights> w = cnn.weights();
      assertThat(w).extracting(lw -> lw.weight().length)
          .containsExactly(32 * 1 * 5 * 5, 64 * 32 * 5 * 5, 256 * 64 * 7 * 7, 10 * 256);
      assertThat(w).extracting(lw -> lw.bias().length).containsExactly(32, 64, 256, 10);
    }
    try (Network mlp = initialized("mlp:784-800-800-10", Network.PIXEL_SCALE, 0f)) {
      assertThat(mlp.weights()).extracting(lw -> lw.weight().length).containsExactly(800 * 784, 800 * 800, 10 * 800);
    }
  }

  @Test
  void theFirstOperationScalesTheRawPixels() {
    float[] raw = OnnxRuntime.rawPixels(Mnist.test(), 20);
    float[] scaled = raw.clone();
    for (int j = 0; j < scaled.length; j++) {
      scaled[j] *= Network.PIXEL_SCALE;
    }
    try (Network onRaw = initialized("cnn:28x28-c8-f16-10", Network.PIXEL_SCALE, 0f);
        Network onScaled = initialized("cnn:28x28-c8-f16-10", 1f, 0f)) {
      float[] a = logits(onRaw, raw, 20);
      float[] b = logits(onScaled, scaled, 20);
      for (int j = 0; j < a.length; j++) {
        assertThat(a[j]).isCloseTo(b[j], within(1e-5f));
      }
    }
  }

  @Test
  void inferenceLeavesDropoutOut() {
    float[] raw = OnnxRuntime.rawPixels(Mnist.test(), 50);
    try (Network n = initialized("mlp:784-256-10", Network.PIXEL_SCALE, 0.5f)) {
      assertThat(logits(n, raw, 50)).containsExactly(logits(n, raw, 50));
    }
  }

  @Test
  void dropoutMustBeARate() {
    Architecture mlp = Architecture.parse("mlp:784-10");
    assertThatThrownBy(() -> Network.create(engine, mlp, 1f, 1f))
        .hasMessage("dropout must be at least 0 and below 1, got 1.0");
  }
}
