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

  @Test
  void anInt8VariantsWeightsAreDequantizedOnceAtLoadAndItsLogitsAreThoseOfItsGraph() throws Exception {
    java.util.Random r = new java.util.Random(3);
    float[] w1 = new float[784 * 32];
    for (int i = 0; i < w1.length; i++) {
      w1[i] = (float) (r.nextGaussian() * 0.05);
    }
    float[] w2 = new float[32 * 10];
    for (int i = 0; i < w2.length; i++) {
      w2[i] = (float) (r.nextGaussian() * 0.1);
    }
    byte[] int8 = dev.distill.contract.onnx.WeightQuantizer.quantize(
        dev.distill.client.sim.Students.mlp(w1, new float[32], w2, new float[10], 784, 32, 10, 1),
        dev.distill.contract.model.Variant.INT8);
    Path file = Files.write(dir.resolve("int8.onnx"), int8);
    float[] image = new float[784];
    for (int i = 0; i < image.length; i++) {
      image[i] = r.nextInt(256);
    }

    // the graph the device's options leave after optimization: no DequantizeLinear runs per inference
    ai.onnxruntime.OrtEnvironment env = ai.onnxruntime.OrtEnvironment.getEnvironment();
    Path optimized = dir.resolve("optimized.onnx");
    float[] unfolded;
    try (ai.onnxruntime.OrtSession.SessionOptions o = new ai.onnxruntime.OrtSession.SessionOptions()) {
      o.addConfigEntry(OrtRuntime.FOLD_WEIGHT_DEQUANTIZATION, "1");
      o.setOptimizedModelFilePath(optimized.toString());
      env.createSession(file.toString(), o).close();
    }
    assertThat(ai.onnx.proto.OnnxMl.ModelProto.parseFrom(Files.readAllBytes(optimized)).getGraph().getNodeList())
        .extracting(ai.onnx.proto.OnnxMl.NodeProto::getOpType)
        .as("the int8 weights became float32 at load").doesNotContain("DequantizeLinear").contains("Gemm");
    // ... which ONNX Runtime's defaults keep, to run at every inference
    Path kept = dir.resolve("kept.onnx");
    try (ai.onnxruntime.OrtSession.SessionOptions o = options(kept);
        ai.onnxruntime.OrtSession plain = env.createSession(file.toString(), o);
        ai.onnxruntime.OnnxTensor x = ai.onnxruntime.OnnxTensor.createTensor(env, java.nio.FloatBuffer.wrap(image),
            new long[] {1, 784});
        ai.onnxruntime.OrtSession.Result out = plain.run(java.util.Map.of(plain.getInputNames().iterator().next(), x))) {
      unfolded = ((float[][]) out.get(0).getValue())[0];
    }
    assertThat(ai.onnx.proto.OnnxMl.ModelProto.parseFrom(Files.readAllBytes(kept)).getGraph().getNodeList())
        .extracting(ai.onnx.proto.OnnxMl.NodeProto::getOpType).contains("DequantizeLinear");
    try (ModelRuntime.LoadedModel m = new OrtRuntime(1).load(file)) {
      assertThat(m.logits(image, 1)[0]).as("the same arithmetic, done once").containsExactly(unfolded, within(1e-5f));
    }
  }

  private static ai.onnxruntime.OrtSession.SessionOptions options(Path optimized) throws Exception {
    ai.onnxruntime.OrtSession.SessionOptions o = new ai.onnxruntime.OrtSession.SessionOptions();
    o.setOptimizedModelFilePath(optimized.toString());
    return o;
  }
}
