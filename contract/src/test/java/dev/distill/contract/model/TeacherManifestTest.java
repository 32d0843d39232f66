package dev.distill.contract.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.contract.proto.DType;
import dev.distill.contract.wire.Tensors;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TeacherManifestTest {
  private static final TeacherManifest.Input IMAGE = new TeacherManifest.Input(
      TensorSpec.parse("image=float32[N,1,28,28]"), "", Preprocess.parse("scale=1/255,mean=0.2860,std=0.3530,layout=nchw"));

  @Test
  void aManifestSurvivesItsJsonForm() {
    TeacherManifest m = new TeacherManifest(
        List.of(new TeacherManifest.Input(TensorSpec.parse("input_ids=int64[N,seq]"), "ids", Preprocess.IDENTITY),
            new TeacherManifest.Input(TensorSpec.parse("attention_mask=int64[N,seq]"), "", Preprocess.IDENTITY)),
        new TeacherManifest.Output("logits", TeacherManifest.OutputKind.PROBABILITIES, 4),
        List.of("a", "b", "c", "d"), Map.of("source", "token-bag.onnx"));
    TeacherManifest back = TeacherManifest.fromJson(m.toJson());
    assertThat(back).isEqualTo(m);
    assertThat(back.sampleTensorOf(0)).isEqualTo("ids");
    assertThat(back.sampleTensorOf(1)).isEqualTo("attention_mask");
    assertThat(new String(m.toJson())).contains("\"seq\"").contains("\"probabilities\"");
  }

  @Test
  void aUint8ImageFeedsAnNchwInputByElementCount() {
    String[] problem = new String[1];
    long[] shape = InputBinding.fit(IMAGE, DType.UINT8, new int[] {28, 28}, problem);
    assertThat(problem[0]).isNull();
    assertThat(shape).containsExactly(1, 28, 28);
  }

  @Test
  void aMismatchNamesTheInputAndBothShapes() {
    TeacherManifest.Input raw = new TeacherManifest.Input(TensorSpec.parse("input=float32[N,3,32,32]"), "",
        Preprocess.IDENTITY);
    String[] problem = new String[1];
    assertThat(InputBinding.fit(raw, DType.UINT8, new int[] {28, 28}, problem)).isNull();
    assertThat(problem[0]).isEqualTo("input 'input' wants float32 [N, 3, 32, 32]; the sample tensor is uint8 [28, 28]:"
        + " reshape the samples, or import the teacher with --input and --preprocess (e.g. scale=1/255,mean=...,std=...)");
  }

  @Test
  void floatsCannotFeedTokenIdsAndSymbolicDimsTakeAnySize() {
    TeacherManifest.Input ids = new TeacherManifest.Input(TensorSpec.parse("input_ids=int64[N,seq]"), "",
        Preprocess.IDENTITY);
    String[] problem = new String[1];
    assertThat(InputBinding.fit(ids, DType.INT32, new int[] {12}, problem)).containsExactly(12);
    assertThat(InputBinding.fit(ids, DType.FLOAT32, new int[] {12}, problem)).isNull();
    assertThat(problem[0]).contains("a float32 tensor cannot feed a int64 input");
  }

  @Test
  void preprocessingIsAppliedPerChannel() {
    Preprocess p = Preprocess.parse("scale=0.5,mean=1:2,std=1:4,layout=nchw");
    float[] x = {2, 2, 10, 10}; // [C=2, 1, 2]
    p.applyInPlace(x, 0, new long[] {2, 1, 2});
    assertThat(x).containsExactly(0f, 0f, 0.75f, 0.75f);
    Preprocess last = Preprocess.parse("mean=1:2,std=1:4,layout=nhwc");
    float[] y = {1, 6, 1, 6}; // [1, 2, C=2]
    last.applyInPlace(y, 0, new long[] {1, 2, 2});
    assertThat(y).containsExactly(0f, 1f, 0f, 1f);
    assertThat(Preprocess.parse(p.spec())).isEqualTo(p);
    assertThatThrownBy(() -> Preprocess.parse("mean=1:2")).hasMessageContaining("needs a layout");
    assertThat(p.misfit(new long[] {3, 4, 4})).contains("do not fit 3 channels");
  }

  @Test
  void float16AndInt64TensorsReadBack() {
    float[] values = {0f, 1f, -2.5f, 65504f, 1e-7f, 0.1f};
    float[] back = Tensors.toFloats(Tensors.float16(values, 6));
    assertThat(back[0]).isZero();
    assertThat(back[1]).isEqualTo(1f);
    assertThat(back[2]).isEqualTo(-2.5f);
    assertThat(back[3]).isEqualTo(65504f);
    assertThat(back[4]).isEqualTo(2 * 0x1p-24f); // the nearer of the two subnormals around 1e-7
    assertThat(back[5]).isCloseTo(0.1f, org.assertj.core.data.Offset.offset(1e-4f));
    assertThat(Tensors.toLongs(Tensors.int64(new long[] {5, 1L << 40}, 2))).containsExactly(5, 1L << 40);
    assertThatThrownBy(() -> Tensors.toLongs(Tensors.float32(new float[] {1}, 1))).hasMessageContaining("no whole numbers");
  }
}
