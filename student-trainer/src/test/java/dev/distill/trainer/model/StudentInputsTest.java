package dev.distill.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.contract.model.Architecture;
import dev.distill.contract.model.ModelInterface;
import dev.distill.contract.model.Preprocess;
import dev.distill.contract.model.TeacherManifest;
import dev.distill.contract.model.TensorSpec;
import dev.distill.contract.proto.DType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StudentInputsTest {
  private static TeacherManifest teacher(String spec, Preprocess p) {
    return new TeacherManifest(List.of(new TeacherManifest.Input(TensorSpec.parse(spec), "", p)),
        new TeacherManifest.Output("logits", TeacherManifest.OutputKind.LOGITS, 10), List.of(), Map.of());
  }

  @Test
  void theLegacyInputIsRawFloatPixelsScaledToZeroOne() {
    StudentInputs.Input in = StudentInputs.pixels(784).inputs().get(0);
    assertThat(in.name()).isEqualTo(ModelInterface.INPUT);
    assertThat(in.dtype()).isEqualTo(DType.FLOAT32);
    assertThat(in.batchedSpec()).hasToString("pixels=float32[N,784]");
    assertThat(in.scale()).isEqualTo(Network.PIXEL_SCALE);
    assertThat(in.mean()).isNull();
    assertThat(in.std()).isNull();
  }

  @Test
  void aTeachersInputKeepsItsNameDtypeShapeAndPreprocessing() {
    Preprocess p = Preprocess.parse("scale=1/255,mean=0.485:0.456:0.406,std=0.229:0.224:0.225,layout=nchw");
    StudentInputs.Input in = StudentInputs.of(teacher("image=uint8[N,3,32,32]", p)).inputs().get(0);
    assertThat(in.batchedSpec()).hasToString("image=uint8[N,3,32,32]");
    assertThat(in.mean()).containsExactly(0.485f, 0.456f, 0.406f);
    assertThat(in.constantShape(3)).containsExactly(3, 1, 1);
    assertThat(in.constantShape(1)).isEmpty();
    assertThat(in.batchShape(2, 2 * 3 * 32 * 32)).containsExactly(2, 3, 32, 32);
  }

  @Test
  void aSymbolicLengthIsTakenFromTheBatch() {
    StudentInputs.Input ids = StudentInputs.of(teacher("input_ids=int64[N,seq]", Preprocess.IDENTITY)).inputs().get(0);
    assertThat(ids.integer()).isTrue();
    assertThat(ids.batchShape(4, 4 * 16)).containsExactly(4, 16);
    assertThatThrownBy(() -> ids.batchShape(4, 30)).hasMessageContaining("30 values do not make 4 samples");
  }

  @Test
  void anArchitectureThatCannotTakeTheInputsIsRefused() {
    StudentInputs image = StudentInputs.of(teacher("image=float32[N,1,28,28]", Preprocess.IDENTITY));
    assertThat(image.check(Architecture.parse("cnn:1x28x28-c8-10"))).isSameAs(image);
    assertThat(image.check(Architecture.parse("mlp:784-10"))).isSameAs(image);
    assertThatThrownBy(() -> image.check(Architecture.parse("mlp:100-10")))
        .hasMessageContaining("takes one input of 100 elements per sample");
    assertThatThrownBy(() -> image.check(Architecture.parse("tok:64-e8-10")))
        .hasMessageContaining("token ids [N, L]");
    StudentInputs ids = StudentInputs.of(teacher("input_ids=int64[N,seq]", Preprocess.IDENTITY));
    assertThatThrownBy(() -> ids.check(Architecture.parse("mlp:16-10"))).hasMessageContaining("16 elements");
  }
}
