package dev.distill.scorer.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.distill.contract.model.ModelInterface;
import dev.distill.contract.model.TeacherStore;
import dev.distill.contract.onnx.OnnxGraph;
import dev.distill.contract.onnx.OnnxModel;
import dev.distill.scorer.teacher.Teacher;
import dev.distill.scorer.teacher.TeacherLoadException;
import dev.distill.scorer.testing.Reference;
import dev.distill.scorer.testing.TestModels;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxTeacherLoaderTest {
  static OnnxTeacherLoader loader;
  @TempDir Path dir;

  @BeforeAll
  static void loader() {
    loader = new OnnxTeacherLoader(1, ExecutionProvider.AUTO);
  }

  @Test
  void withoutCudaInThisBuildAutoRunsOnCpu() {
    assertThat(loader.active()).isEqualTo(ExecutionProvider.CPU);
    assertThat(new OnnxTeacherLoader(1, ExecutionProvider.CUDA).active()).isEqualTo(ExecutionProvider.CPU);
  }

  @Test
  void anEnsembleOfDifferentArchitecturesGivesEachMembersLogitsForABatch() throws Exception {
    byte[] a = TestModels.mlp(1, 784, 64, 10);
    byte[] b = TestModels.mlp(2, 784, 32, 16, 10);
    TeacherStore store = new TeacherStore(dir);
    var version = TestModels.publish(store, "mnist", a, b);
    float[][] rows = new float[3][784];
    Random rnd = new Random(3);
    FloatBuffer batch = FloatBuffer.allocate(3 * 784);
    for (float[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        row[i] = rnd.nextInt(256);
      }
      batch.put(row);
    }

    try (Teacher t = loader.load(version); Reference ref = new Reference(a, b)) {
      assertThat(t.id()).isEqualTo("mnist");
      assertThat(t.version()).isEqualTo(1);
      assertThat(t.ensembleSize()).isEqualTo(2);
      assertThat(t.inputSize()).isEqualTo(784);
      assertThat(t.numClasses()).isEqualTo(10);
      float[][] logits = t.logits(batch, 3);
      for (int m = 0; m < 2; m++) {
        for (int r = 0; r < 3; r++) {
          float[] expected = ref.logits(m, rows[r]);
          for (int c = 0; c < 10; c++) {
            assertThat(logits[m][r * 10 + c]).as("member %d row %d class %d", m, r, c).isCloseTo(expected[c], within(1e-4f));
          }
        }
      }
    }
  }

  @Test
  void membersThatDisagreeOnTheClassesAreRefused() {
    var version = TestModels.publish(new TeacherStore(dir), "mnist",
        TestModels.mlp(1, 784, 16, 10), TestModels.mlp(2, 784, 16, 12));

    assertThatThrownBy(() -> loader.load(version))
        .isInstanceOf(TeacherLoadException.class)
        .hasMessage("ensemble members must agree on input size and classes: member-0.onnx maps 784 features "
            + "to 10 classes, member-1.onnx maps 784 to 12");
  }

  @Test
  void aModelWithoutThePixelsInputIsRefusedWithTheInterfaceItMustFollow() {
    OnnxGraph g = new OnnxGraph("wrong");
    String x = g.input("image", -1, 4);
    g.output(g.dense(x, new float[8], new float[2], 4, 2), ModelInterface.OUTPUT, -1, 2);
    var version = TestModels.publish(new TeacherStore(dir), "mnist", new OnnxModel(g).toBytes());

    assertThatThrownBy(() -> loader.load(version))
        .isInstanceOf(TeacherLoadException.class)
        .hasMessage("member-0.onnx: has no input 'pixels' (it has [image]); every model maps 'pixels' [N, D] "
            + "to 'logits' [N, C]");
  }

  @Test
  void bytesThatAreNotAnOnnxModelAreRefused() {
    var version = TestModels.publish(new TeacherStore(dir), "mnist", new byte[] {1, 2, 3});

    assertThatThrownBy(() -> loader.load(version))
        .isInstanceOf(TeacherLoadException.class)
        .hasMessageStartingWith("member-0.onnx: ONNX Runtime cannot load it:");
  }
}
