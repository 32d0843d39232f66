package dev.distill.trainer.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.distill.contract.model.Preprocess;
import dev.distill.contract.model.TensorSpec;
import dev.distill.contract.onnx.OnnxGraph;
import dev.distill.contract.onnx.OnnxModel;
import dev.distill.contract.proto.DType;
import dev.distill.trainer.model.StudentInputs;
import dev.distill.trainer.stream.Example;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OnnxSliceMetricsTest {
  /** Two features in, two classes out: class 1 wins exactly when feature 1 exceeds feature 0. */
  private static byte[] comparator(DType input) {
    OnnxGraph g = new OnnxGraph("comparator");
    String x = g.input(new TensorSpec("x", input, List.of(TensorSpec.Dim.symbolic("N"), TensorSpec.Dim.fixed(2))));
    if (input != DType.FLOAT32) {
      x = g.castToFloat(x);
    }
    g.output(g.dense(x, new float[] {1, 0, 0, 1}, new float[] {0, 0}, 2, 2), "logits", -1, 2);
    return new OnnxModel(g).toBytes();
  }

  private static StudentInputs inputs(DType dtype) {
    return new StudentInputs(List.of(new StudentInputs.Input("x", dtype, List.of(TensorSpec.Dim.fixed(2)),
        Preprocess.IDENTITY)));
  }

  @Test
  void measuresAccuracyOnLabelledExamplesAndAgreementOnAllAsTheArtifactRunsThem() throws Exception {
    List<Example> slice = new ArrayList<>();
    // 6 examples the model gets right, 2 it gets wrong, 2 unlabelled; the teacher says class 1 throughout
    for (int i = 0; i < 10; i++) {
      float a = i % 2 == 0 ? 10 : 200;
      float b = i % 2 == 0 ? 200 : 10;
      int truth = a < b ? 1 : 0;
      int label = i < 6 ? truth : i < 8 ? 1 - truth : -1;
      slice.add(new Example("id" + i, new float[] {a, b}, new float[] {0.1f, 0.9f}, 1f, label));
    }
    for (DType dtype : List.of(DType.FLOAT32, DType.UINT8)) {
      OnnxSliceMetrics m = OnnxSliceMetrics.measure(comparator(dtype), inputs(dtype), slice);
      assertThat(m.examples()).isEqualTo(10);
      assertThat(m.labelled()).isEqualTo(8);
      assertThat(m.accuracy()).as("%s input", dtype).isCloseTo(6 / 8.0, within(1e-9));
      assertThat(m.agreement()).as("argmax is class 1 on the even examples").isCloseTo(0.5, within(1e-9));
    }
  }

  @Test
  void anEmptySliceHasNoFigures() throws Exception {
    OnnxSliceMetrics m = OnnxSliceMetrics.measure(comparator(DType.FLOAT32), inputs(DType.FLOAT32), List.of());
    assertThat(m.accuracy()).isNaN();
    assertThat(m.agreement()).isNaN();
  }
}
