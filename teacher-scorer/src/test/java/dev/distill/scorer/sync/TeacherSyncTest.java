package dev.distill.scorer.sync;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.distill.contract.proto.TeacherRecord;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TeacherSyncTest {
  @TempDir Path store;

  @Test
  void onlyItsOwnTeacherIsWrittenAndCountedAndTombstonesAreIgnored() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    TeacherSync sync = new TeacherSync(store, "mnist", registry);
    var handler = sync.handler();
    ChunkAssemblerTest.Push mine = ChunkAssemblerTest.push("mnist", 1, Map.of("member-0.onnx",
        ChunkAssemblerTest.random(2500, 1)));
    ChunkAssemblerTest.Push other = ChunkAssemblerTest.push("fashion", 1, Map.of("member-0.onnx",
        ChunkAssemblerTest.random(100, 2)));
    ChunkAssemblerTest.Push corrupt = ChunkAssemblerTest.push("mnist", 2, Map.of("member-0.onnx",
        ChunkAssemblerTest.random(10, 3)));
    TeacherRecord chunk = corrupt.chunks().get(0);
    TeacherRecord badChunk = chunk.toBuilder().setChunk(chunk.getChunk().toBuilder()
        .setData(ByteString.copyFrom(new byte[10]))).build();

    long offset = 0;
    for (TeacherRecord r : other.all()) {
      handler.record("k", r, offset++);
    }
    handler.record("mnist/v1/member-0.onnx/0", null, offset++);
    for (TeacherRecord r : mine.all()) {
      handler.record("k", r, offset++);
    }
    assertThat(sync.awaitInstalled(0, Duration.ZERO)).isTrue();
    handler.record("k", badChunk, offset++);
    handler.record("k", corrupt.commit(), offset);

    assertThat(store.resolve("mnist/v1/member-0.onnx")).hasBinaryContent(ChunkAssemblerTest.random(2500, 1));
    assertThat(store.resolve("fashion")).doesNotExist();
    assertThat(store.resolve("mnist/v2")).doesNotExist();
    assertThat(sync.installedVersions()).isEqualTo(1);
    assertThat(registry.get(TeacherSync.INSTALLED).tag("teacher", "mnist").counter().count()).isEqualTo(1.0);
    assertThat(registry.get(TeacherSync.REJECTED).counter().count()).isEqualTo(1.0);
    assertThat(registry.get(TeacherSync.RECEIVED).counter().count()).isEqualTo(2500.0 + 10.0);
  }
}
