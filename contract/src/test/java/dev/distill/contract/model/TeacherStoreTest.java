package dev.distill.contract.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TeacherStoreTest {
  @TempDir Path root;

  @Test
  void versionsGrowAndTheLatestIsTheNewestComplete() throws Exception {
    TeacherStore store = new TeacherStore(root);
    assertThat(store.latest("mnist-cnn")).isEmpty();
    TeacherVersion v1 = store.publish("mnist-cnn", List.of(new byte[] {1}), manifest(Map.of("test_errors", "70")));
    TeacherVersion v2 = store.publish("mnist-cnn", List.of(new byte[] {2}, new byte[] {3}), manifest(Map.of()));
    assertThat(v1.version()).isEqualTo(1);
    assertThat(v2.version()).isEqualTo(2);
    assertThat(v2.isEnsemble()).isTrue();
    // a hand-copied folder without a manifest is not a version, and says why
    Files.createDirectories(root.resolve("mnist-cnn/v3"));
    Files.write(root.resolve("mnist-cnn/v3/member-0.onnx"), new byte[] {9});
    assertThat(store.latest("mnist-cnn")).get().extracting(TeacherVersion::version).isEqualTo(2);
    assertThat(store.problems("mnist-cnn")).singleElement().asString()
        .contains("teacher mnist-cnn v3").contains("no teacher.json").contains("distill teacher import");
    assertThat(store.versions("mnist-cnn")).extracting(TeacherVersion::version).containsExactly(1, 2);
    assertThat(Files.readAllBytes(store.latest("mnist-cnn").get().members().get(1))).containsExactly(3);
    assertThat(store.versions("mnist-cnn").get(0).info()).containsEntry("test_errors", "70");
    assertThat(store.teacherIds()).containsExactly("mnist-cnn");
  }

  @Test
  void badIdsAreRefused() {
    assertThatThrownBy(() -> new TeacherStore(root).publish("../x", List.of(new byte[1]), manifest(Map.of())))
        .hasMessageContaining("teacher id '../x' must match");
  }

  @Test
  void versionsWrittenBeforeManifestsKeepTheirPixelsInterface() throws Exception {
    Path v1 = Files.createDirectories(root.resolve("mnist/v1"));
    Files.write(v1.resolve("member-0.onnx"), new byte[] {1});
    Files.writeString(v1.resolve("teacher.properties"), "architecture=cnn\\:28x28-c16-c32-f128-10\ntest_errors=57\n");
    TeacherVersion v = new TeacherStore(root).latest("mnist").orElseThrow();
    assertThat(v.manifest().inputs()).singleElement().extracting(i -> i.spec().toString())
        .isEqualTo("pixels=float32[N,784]");
    assertThat(v.manifest().output().classes()).isEqualTo(10);
    assertThat(v.info()).containsEntry("test_errors", "57");
  }

  @Test
  void aManifestThatDoesNotParseIsAProblemNotAVersion() throws Exception {
    Path v1 = Files.createDirectories(root.resolve("mnist/v1"));
    Files.write(v1.resolve("member-0.onnx"), new byte[] {1});
    Files.writeString(v1.resolve("teacher.json"), "{\"format\": 1}");
    TeacherStore store = new TeacherStore(root);
    assertThat(store.versions("mnist")).isEmpty();
    assertThat(store.problems("mnist")).singleElement().asString().contains("'inputs' is missing");
  }

  private static TeacherManifest manifest(Map<String, String> info) {
    return TeacherManifest.legacy(784, 10, info);
  }
}
