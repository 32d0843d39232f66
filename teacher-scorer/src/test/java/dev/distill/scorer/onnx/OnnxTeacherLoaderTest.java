package dev.distill.scorer.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

import dev.distill.contract.model.ModelInterface;
import dev.distill.contract.model.TeacherStore;
import dev.distill.contract.onnx.OnnxGraph;
import dev.distill.contract.onnx.OnnxModel;
import dev.distill.scorer.teacher.Teacher;
import dev.distill.scorer.teacher.TeacherLoadException;
import dev.distill.scorer.testing.Reference;
import dev.distill.scorer.testing.TestModels;
import dev.distill.scorer.teacher.TeacherBatch;
import java.util.List;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class OnnxTeacherLoaderTest {
  static OnnxTeacherLoader loader;
  @TempDir Path dir;

  @BeforeAll
  static void loader() {
    loader = new OnnxTeacherLoader(1, ExecutionProvider.AUTO);
  }

  @Test
  void whereCudaCannotRunBothAutoAndCudaFallBackToTheCpuAndSayWhyInOneWarningLine() {
    assumeTrue(loader.active() == ExecutionProvider.CPU, "CUDA runs here");
    Logger logger = (Logger) LoggerFactory.getLogger(OnnxTeacherLoader.class);
    ListAppender<ILoggingEvent> events = new ListAppender<>();
    events.start();
    logger.addAppender(events);
    OnnxTeacherLoader cuda;
    try {
      cuda = new OnnxTeacherLoader(1, ExecutionProvider.CUDA);
    } finally {
      logger.detachAppender(events);
    }

    assertThat(cuda.active()).isEqualTo(ExecutionProvider.CPU);
    assertThat(cuda.activeDevice()).isEqualTo("CPU");
    String why = cuda.whyNotCuda().orElseThrow();
    assertThat(why).doesNotContain("\n");
    if (OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
      // the cuda build without a usable GPU: the libraries or the device are named
      assertThat(why).containsAnyOf("the CUDA execution provider did not load", "is not usable");
    } else {
      assertThat(why).startsWith("this is the CPU build of ONNX Runtime, without a CUDA execution provider");
    }
    assertThat(events.list).singleElement().satisfies(e -> {
      assertThat(e.getLevel()).isEqualTo(Level.WARN);
      assertThat(e.getFormattedMessage()).contains("falls back to the CPU execution provider (cuda requested)", why)
          .doesNotContain("\n");
    });
    assertThat(loader.whyNotCuda()).contains(why);
  }

  @Test
  void cpuAsConfiguredNeverTriesCuda() {
    OnnxTeacherLoader cpu = new OnnxTeacherLoader(1, ExecutionProvider.CPU);
    assertThat(cpu.active()).isEqualTo(ExecutionProvider.CPU);
    assertThat(cpu.whyNotCuda()).isEmpty();
  }

  @Test
  void aCudaOnlyLoaderIsRefusedInOneSentenceWhereCudaCannotRun() {
    assumeTrue(loader.active() == ExecutionProvider.CPU, "CUDA runs here");
    assertThatThrownBy(() -> OnnxTeacherLoader.cudaOnly(1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(loader.whyNotCuda().orElseThrow());
  }

  @Test
  void anEnsembleOfDifferentArchitecturesGivesEachMembersLogitsForABatch() throws Exception {
    byte[] a = TestModels.mlp(1, 784, 64, 10);
    byte[] b = TestModels.mlp(2, 784, 32, 16, 10);
    TeacherStore store = new TeacherStore(dir);
    var version = TestModels.publish(store, "mnist", a, b);
    float[][] rows = new float[3][784];
    Random rnd = new Random(3);
    float[] batch = new float[3 * 784];
    for (int r = 0; r < 3; r++) {
      for (int i = 0; i < 784; i++) {
        rows[r][i] = rnd.nextInt(256);
      }
      System.arraycopy(rows[r], 0, batch, r * 784, 784);
    }

    try (Teacher t = loader.load(version); Reference ref = new Reference(a, b)) {
      assertThat(t.id()).isEqualTo("mnist");
      assertThat(t.version()).isEqualTo(1);
      assertThat(t.ensembleSize()).isEqualTo(2);
      assertThat(t.manifest().inputs()).singleElement().extracting(i -> i.spec().toString())
          .isEqualTo("pixels=float32[N,784]");
      assertThat(t.numClasses()).isEqualTo(10);
      float[][] logits = t.logits(new TeacherBatch(3, List.of(new TeacherBatch.Input("pixels", new long[] {3, 784}, batch,
          null))));
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
        .hasMessage("member-1.onnx: a probe of one sample gave 'logits' of shape [1, 12], the manifest says [1, 10]");
  }

  @Test
  void aModelWhoseInputsAreNotTheManifestsIsRefusedNamingBoth() {
    OnnxGraph g = new OnnxGraph("wrong");
    String x = g.input("image", -1, 4);
    g.output(g.dense(x, new float[8], new float[2], 4, 2), ModelInterface.OUTPUT, -1, 2);
    var version = TestModels.publish(new TeacherStore(dir), "mnist", new OnnxModel(g).toBytes());

    assertThatThrownBy(() -> loader.load(version))
        .isInstanceOf(TeacherLoadException.class)
        .hasMessage("member-0.onnx: the manifest names input 'pixels', the graph has [image]");
  }

  @Test
  void bytesThatAreNotAnOnnxModelAreRefused() {
    var version = TestModels.publish(new TeacherStore(dir), "mnist", new byte[] {1, 2, 3});

    assertThatThrownBy(() -> loader.load(version))
        .isInstanceOf(TeacherLoadException.class)
        .hasMessageStartingWith("member-0.onnx: ONNX Runtime cannot load it:");
  }

  @Test
  void anExportWithoutADynamicBatchAxisScoresABatchOneSampleAtATime() throws Exception {
    OnnxGraph g = new OnnxGraph("fixed");
    String x = g.input("x", 1, 2);
    g.output(g.dense(x, new float[] {1, 0, 0, 2}, new float[] {0, 1}, 2, 2), "logits", 1, 2);
    TeacherStore store = new TeacherStore(dir);
    var manifest = new dev.distill.contract.model.TeacherManifest(List.of(new dev.distill.contract.model.TeacherManifest
        .Input(dev.distill.contract.model.TensorSpec.parse("x=float32[1,2]"), "", dev.distill.contract.model.Preprocess
        .IDENTITY)), new dev.distill.contract.model.TeacherManifest.Output("logits",
        dev.distill.contract.model.TeacherManifest.OutputKind.LOGITS, 2), List.of(), java.util.Map.of());
    var version = store.publish("fixed", List.of(new OnnxModel(g).toBytes()), manifest);
    try (Teacher t = loader.load(version)) {
      float[][] logits = t.logits(new TeacherBatch(3, List.of(new TeacherBatch.Input("x", new long[] {3, 2},
          new float[] {1, 1, 2, 3, -1, 0}, null))));
      assertThat(logits[0]).containsExactly(1f, 3f, 2f, 7f, -1f, 1f);
    }
  }
}
