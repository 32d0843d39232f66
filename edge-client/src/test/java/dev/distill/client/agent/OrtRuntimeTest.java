package dev.distill.client.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.distill.contract.onnx.OnnxGraph;
import dev.distill.contract.onnx.OnnxModel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Devices run students whatever their input is called and however a sample is shaped. */
class OrtRuntimeTest {
  @TempDir Path dir;

  @Test
  void aStudentWithAnNchwInputOfAnyNameRunsOnRawValues() throws Exception {
    OnnxGraph g = new OnnxGraph("nchw");
    String x = g.flatten(g.input("image", -1, 1, 2, 2));
    x = g.dense(x, new float[] {1, 0, 0, 0, 0, 0, 0, 1}, new float[] {0, 0.5f}, 4, 2);
    g.output(x, "scores", -1, 2);
    Path file = Files.write(dir.resolve("m.onnx"), new OnnxModel(g).toBytes());
    try (ModelRuntime.LoadedModel m = new OrtRuntime(1).load(file)) {
      assertThat(m.inputSize()).isEqualTo(4);
      float[][] logits = m.logits(new float[] {3, 0, 0, 7, 1, 0, 0, 2}, 2);
      assertThat(logits[0][0]).isCloseTo(3f, within(1e-6f));
      assertThat(logits[0][1]).isCloseTo(7.5f, within(1e-6f));
      assertThat(logits[1][1]).isCloseTo(2.5f, within(1e-6f));
    }
  }

  @Test
  void aModelWithTwoInputsIsRefusedNamingThem() throws Exception {
    OnnxGraph g = new OnnxGraph("two");
    String a = g.input("a", -1, 2);
    g.input("b", -1, 2);
    g.output(g.dense(a, new float[4], new float[2], 2, 2), "logits", -1, 2);
    Path file = Files.write(dir.resolve("two.onnx"), new OnnxModel(g).toBytes());
    assertThatThrownBy(() -> new OrtRuntime(1).load(file))
        .hasMessageContaining("this agent feeds models with one input").hasMessageContaining("a").hasMessageContaining("b");
  }
}
