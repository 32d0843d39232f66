package dev.distill.scorer.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.contract.model.Preprocess;
import dev.distill.contract.model.TeacherManifest;
import dev.distill.contract.model.TeacherStore;
import dev.distill.contract.model.TeacherVersion;
import dev.distill.contract.model.TensorSpec;
import dev.distill.scorer.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Importing teachers exported by real PyTorch (tools/fixtures/make_teachers.py), checked in ONNX Runtime. */
class TeacherImporterTest {
  static final List<TensorSpec> MNIST_SHAPED = List.of(TensorSpec.parse("features=uint8[28,28]"));
  final TeacherImporter importer = new TeacherImporter(Clock.fixed(Instant.parse("2026-12-03T00:00:00Z"), ZoneOffset.UTC));
  @TempDir Path dir;

  @Test
  void anNchwCnnWithNormalisationOutsideItsGraphIsImportedWithItsInterfaceClassesAndPreprocessing() throws Exception {
    TeacherImport request = TeacherImport.of("fashion", Fixtures.path("fashion-cnn.onnx"))
        .withPreprocess("image", Preprocess.parse(Fixtures.FASHION_PREPROCESS))
        .withClassNames(Files.readAllLines(Fixtures.path("fashion-classes.txt")))
        .withStream(MNIST_SHAPED);
    TeacherVersion v = importer.importInto(new TeacherStore(dir), request);

    TeacherManifest m = v.manifest();
    assertThat(v.version()).isEqualTo(1);
    assertThat(m.inputs()).singleElement().satisfies(in -> {
      assertThat(in.spec().toString()).isEqualTo("image=float32[N,1,28,28]");
      assertThat(in.preprocess().mean()).containsExactly(0.2860);
    });
    assertThat(m.output()).isEqualTo(new TeacherManifest.Output("logits", TeacherManifest.OutputKind.LOGITS, 10));
    assertThat(m.className(9)).isEqualTo("Ankle boot");
    assertThat(m.info()).containsKeys("member.0.sha256", "producer", "imported_at")
        .containsEntry("member.0.source", "fashion-cnn.onnx");
    // the store reads back what was written
    assertThat(new TeacherStore(dir).latest("fashion").orElseThrow().manifest()).isEqualTo(m);
  }

  @Test
  void aTwoInputTokenModelKeepsBothInt64InputsWithTheirSymbolicLength() throws Exception {
    TeacherManifest m = importer.describe(TeacherImport.of("tokens", Fixtures.path("token-bag.onnx")));
    assertThat(m.inputs()).extracting(i -> i.spec().dtype().name()).containsExactly("INT64", "INT64");
    assertThat(m.inputs()).extracting(TeacherManifest.Input::name).containsExactly("input_ids", "attention_mask");
    assertThat(m.inputs().get(0).spec().shape()).hasSize(2).allMatch(d -> !d.isFixed());
    assertThat(m.output().classes()).isEqualTo(4);
    assertThat(m.output().kind()).isEqualTo(TeacherManifest.OutputKind.LOGITS);
  }

  @Test
  void aModelEndingInSoftmaxIsFoundToOutputProbabilities() throws Exception {
    TeacherManifest m = importer.describe(TeacherImport.of("p", Fixtures.path("probs-mlp.onnx")));
    assertThat(m.output()).isEqualTo(new TeacherManifest.Output("probs", TeacherManifest.OutputKind.PROBABILITIES, 10));
  }

  @Test
  void aTeacherThatDoesNotFitTheStreamIsRefusedNamingTheInput() {
    TeacherImport request = TeacherImport.of("wrong", Fixtures.path("wrong-interface.onnx")).withStream(MNIST_SHAPED);
    assertThatThrownBy(() -> importer.importInto(new TeacherStore(dir), request))
        .isInstanceOf(ImportException.class)
        .hasMessage("input 'input' wants float32 [N, 3, 32, 32]; the samples of this stream are uint8 [28, 28]: "
            + "reshape the samples, or import the teacher with --input and --preprocess (e.g. scale=1/255,mean=...,std=...)");
    assertThat(dir.resolve("wrong")).doesNotExist();
  }

  @Test
  void preprocessingForAnInputTheGraphDoesNotHaveIsRefused() {
    TeacherImport request = TeacherImport.of("f", Fixtures.path("fashion-cnn.onnx"))
        .withPreprocess("pixels", Preprocess.parse("scale=1/255"));
    assertThatThrownBy(() -> importer.describe(request))
        .hasMessage("--preprocess names input 'pixels'; the graph's inputs are [image]");
  }

  @Test
  void wrongNumberOfClassNamesIsRefused() {
    TeacherImport request = TeacherImport.of("f", Fixtures.path("fashion-cnn.onnx")).withClassNames(List.of("a", "b"));
    assertThatThrownBy(() -> importer.describe(request))
        .hasMessage("2 class names given; output 'logits' has 10 classes");
  }

  @Test
  void aFileThatIsNotOnnxIsRefused() throws Exception {
    Path junk = Files.write(dir.resolve("junk.onnx"), new byte[] {7, 7, 7});
    assertThatThrownBy(() -> importer.describe(TeacherImport.of("j", junk)))
        .isInstanceOf(ImportException.class).hasMessageStartingWith("junk.onnx: not an ONNX model");
  }

  @Test
  void anEnsembleIsSeveralMembersOfOneInterfaceAndAMemberOfAnotherIsRefused() throws Exception {
    TeacherImport two = new TeacherImport("pair", List.of(Fixtures.path("fashion-cnn.onnx"),
        Fixtures.path("fashion-cnn.onnx")), java.util.Map.of(), java.util.Map.of(), java.util.Optional.empty(),
        java.util.Optional.empty(), List.of(), List.of(), java.util.Map.of());
    TeacherVersion v = importer.importInto(new TeacherStore(dir), two);
    assertThat(v.isEnsemble()).isTrue();
    assertThat(v.info()).containsKeys("member.0.sha256", "member.1.sha256");

    TeacherImport mixed = new TeacherImport("mixed", List.of(Fixtures.path("fashion-cnn.onnx"),
        Fixtures.path("token-bag.onnx")), java.util.Map.of(), java.util.Map.of(), java.util.Optional.empty(),
        java.util.Optional.empty(), List.of(), List.of(), java.util.Map.of());
    assertThatThrownBy(() -> importer.importInto(new TeacherStore(dir), mixed))
        .isInstanceOf(ImportException.class)
        .hasMessage("member-1.onnx: the manifest names input 'image', the graph has [input_ids, attention_mask]");
  }
}
