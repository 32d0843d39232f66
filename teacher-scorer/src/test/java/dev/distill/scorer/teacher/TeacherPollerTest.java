package dev.distill.scorer.teacher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.contract.model.TeacherStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TeacherPollerTest {
  @TempDir Path dir;

  private final AtomicInteger loads = new AtomicInteger();
  private final TeacherLoader loader = v -> {
    loads.incrementAndGet();
    if (v.info().containsKey("broken")) {
      throw new TeacherLoadException("member-0.onnx: broken on purpose");
    }
    return new FakeTeacher(v.version());
  };

  private void publish(TeacherStore store, Map<String, String> info) throws Exception {
    store.publish("mnist", List.of(new byte[] {1}), dev.distill.contract.model.TeacherManifest.legacy(784, 10, info));
  }

  @Test
  void startingWithoutATeacherSaysWhereItLookedAndHowToMakeOne() {
    TeacherStore store = new TeacherStore(dir.resolve("teachers"));

    assertThatThrownBy(() -> TeacherPoller.loadLatest(store, "mnist", loader))
        .isInstanceOf(TeacherUnavailableException.class)
        .hasMessage("no usable teacher 'mnist' in " + dir.resolve("teachers")
            + ": import one with `distill teacher import FILE.onnx --id mnist` or train one with `distill teacher train`");
  }

  @Test
  void startingLoadsTheNewestVersion() throws Exception {
    TeacherStore store = new TeacherStore(dir);
    publish(store, Map.of());
    publish(store, Map.of());

    assertThat(TeacherPoller.loadLatest(store, "mnist", loader).version()).isEqualTo(2);
  }

  @Test
  void aNewerVersionIsSwappedInAndTheSameVersionIsNotLoadedAgain() throws Exception {
    TeacherStore store = new TeacherStore(dir);
    publish(store, Map.of());
    LiveTeacher live = new LiveTeacher(TeacherPoller.loadLatest(store, "mnist", loader));
    FakeTeacher v1 = (FakeTeacher) live.current();
    TeacherPoller poller = new TeacherPoller(store, "mnist", loader, live);

    assertThat(poller.pollOnce()).isFalse();
    publish(store, Map.of());
    assertThat(poller.pollOnce()).isTrue();
    assertThat(poller.pollOnce()).isFalse();

    assertThat(live.current().version()).isEqualTo(2);
    assertThat(v1.closed()).isTrue();
    assertThat(loads).hasValue(2);
  }

  @Test
  void aVersionThatFailsToLoadIsSkippedOnceAndTheOldOneKeepsScoring() throws Exception {
    TeacherStore store = new TeacherStore(dir);
    publish(store, Map.of());
    LiveTeacher live = new LiveTeacher(TeacherPoller.loadLatest(store, "mnist", loader));
    TeacherPoller poller = new TeacherPoller(store, "mnist", loader, live);
    publish(store, Map.of("broken", "yes"));

    assertThat(poller.pollOnce()).isFalse();
    assertThat(poller.pollOnce()).isFalse();
    assertThat(live.current().version()).isEqualTo(1);
    assertThat(loads).as("the broken version is tried once").hasValue(2);

    publish(store, Map.of());
    assertThat(poller.pollOnce()).isTrue();
    assertThat(live.current().version()).isEqualTo(3);
  }

  @Test
  void aVersionThatCannotBeLoadedAtStartIsNamedWithItsProblem() throws Exception {
    TeacherStore store = new TeacherStore(dir);
    publish(store, Map.of("broken", "yes"));

    assertThatThrownBy(() -> TeacherPoller.loadLatest(store, "mnist", loader))
        .isInstanceOf(TeacherUnavailableException.class)
        .hasMessageStartingWith("teacher 'mnist' v1 in " + dir.resolve("mnist").resolve("v1"))
        .hasMessageEndingWith("cannot be used: member-0.onnx: broken on purpose");
  }
}
