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
    TeacherVersion v1 = store.publish("mnist-cnn", List.of(new byte[] {1}), Map.of("test_errors", "70"));
    TeacherVersion v2 = store.publish("mnist-cnn", List.of(new byte[] {2}, new byte[] {3}), Map.of());
    assertThat(v1.version()).isEqualTo(1);
    assertThat(v2.version()).isEqualTo(2);
    assertThat(v2.isEnsemble()).isTrue();
    // a half-written folder (no info file) is not a version
    Files.createDirectories(root.resolve("mnist-cnn/v3"));
    Files.write(root.resolve("mnist-cnn/v3/member-0.onnx"), new byte[] {9});
    assertThat(store.latest("mnist-cnn")).get().extracting(TeacherVersion::version).isEqualTo(2);
    assertThat(store.versions("mnist-cnn")).extracting(TeacherVersion::version).containsExactly(1, 2);
    assertThat(Files.readAllBytes(store.latest("mnist-cnn").get().members().get(1))).containsExactly(3);
    assertThat(store.versions("mnist-cnn").get(0).info()).containsEntry("test_errors", "70");
    assertThat(store.teacherIds()).containsExactly("mnist-cnn");
  }

  @Test
  void badIdsAreRefused() {
    assertThatThrownBy(() -> new TeacherStore(root).publish("../x", List.of(new byte[1]), Map.of()))
        .hasMessageContaining("teacher id '../x' must match");
  }
}
