package dev.distill.contract.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.contract.proto.DType;
import org.junit.jupiter.api.Test;

class OnnxGraphReaderTest {
  @Test
  void readsTheDeclaredInterfaceLeavingInitializersOut() {
    OnnxGraph g = new OnnxGraph("t");
    String x = g.input("image", -1, 4);
    x = g.dense(x, new float[8], new float[2], 4, 2);
    g.output(x, "scores", -1, 2);
    OnnxGraphReader.Description d = OnnxGraphReader.read(new OnnxModel(g).metadata("k", "v").toBytes());
    assertThat(d.inputs()).singleElement().satisfies(i -> {
      assertThat(i.spec().toString()).isEqualTo("image=float32[N,4]");
      assertThat(i.dtype()).isEqualTo(DType.FLOAT32);
    });
    assertThat(d.outputs()).singleElement().extracting(o -> o.spec().toString()).isEqualTo("scores=float32[N,2]");
    assertThat(d.opsets()).containsEntry("ai.onnx", OnnxModel.OPSET);
    assertThat(d.metadata()).containsEntry("k", "v");
  }

  @Test
  void garbageIsNotAModel() {
    assertThatThrownBy(() -> OnnxGraphReader.read(new byte[] {1, 2, 3, 4, 5}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("not an ONNX model");
  }
}
