package dev.distill.contract.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.distill.contract.proto.TeacherChunk;
import dev.distill.contract.proto.TeacherCommit;
import dev.distill.contract.proto.TeacherFile;
import dev.distill.contract.proto.TeacherRecord;
import org.junit.jupiter.api.Test;

class TeacherRecordsTest {
  private static final String SHA = "ab".repeat(32);

  private static TeacherRecord chunk(String file, int index, int count, long offset, int size, long length) {
    return TeacherRecord.newBuilder().setTeacherId("mnist").setVersion(2).setChunk(TeacherChunk.newBuilder()
        .setFile(file).setIndex(index).setCount(count).setOffset(offset).setData(ByteString.copyFrom(new byte[size]))
        .setFileLength(length).setFileSha256(SHA)).build();
  }

  private static TeacherRecord commit(TeacherFile... files) {
    TeacherCommit.Builder c = TeacherCommit.newBuilder().setPushedAtMs(1);
    for (TeacherFile f : files) {
      c.addFiles(f);
    }
    return TeacherRecord.newBuilder().setTeacherId("mnist").setVersion(2).setCommit(c).build();
  }

  private static TeacherFile file(String name) {
    return TeacherFile.newBuilder().setName(name).setLength(10).setSha256(SHA).setChunks(1).build();
  }

  @Test
  void keysNameTheTeacherTheVersionTheFileAndTheChunk() {
    assertThat(TeacherRecords.chunkKey("mnist", 3, "member-0.onnx", 7)).isEqualTo("mnist/v3/member-0.onnx/7");
    assertThat(TeacherRecords.commitKey("mnist", 3)).isEqualTo("mnist/v3/commit");
  }

  @Test
  void aFileTakesWholeChunksAndAnEmptyFileOne() {
    assertThat(TeacherRecords.chunkCount(0, 512)).isEqualTo(1);
    assertThat(TeacherRecords.chunkCount(512, 512)).isEqualTo(1);
    assertThat(TeacherRecords.chunkCount(513, 512)).isEqualTo(2);
  }

  @Test
  void wellFormedChunksAndCommitsPass() {
    assertThatCode(() -> TeacherRecords.validate(chunk("member-0.onnx", 1, 2, 512, 100, 612))).doesNotThrowAnyException();
    assertThatCode(() -> TeacherRecords.validate(chunk("empty.txt", 0, 1, 0, 0, 0))).doesNotThrowAnyException();
    assertThatCode(() -> TeacherRecords.validate(commit(file("member-0.onnx"), file("teacher.json"))))
        .doesNotThrowAnyException();
  }

  @Test
  void aFileNameThatIsAPathIsRefusedSoNoRecordWritesOutsideItsVersionFolder() {
    for (String name : new String[] {"../evil.onnx", "a/b.onnx", ".hidden", "..", "", "c:\\x"}) {
      assertThatThrownBy(() -> TeacherRecords.validate(chunk(name, 0, 1, 0, 1, 1)))
          .as(name).isInstanceOf(MalformedMessageException.class).hasMessageContaining("chunk.file");
      assertThatThrownBy(() -> TeacherRecords.validate(commit(file(name))))
          .as(name).hasMessageContaining("commit.files.name");
    }
  }

  @Test
  void chunksOutsideTheirFileOrCountAreRefused() {
    assertThatThrownBy(() -> TeacherRecords.validate(chunk("m.onnx", 2, 2, 0, 1, 10)))
        .hasMessage("distill.v1.TeacherRecord.chunk.index: must be in [0, count), got index 2 of 2");
    assertThatThrownBy(() -> TeacherRecords.validate(chunk("m.onnx", 1, 2, 8, 4, 10)))
        .hasMessage("distill.v1.TeacherRecord.chunk.data: 4 bytes at offset 8 do not fit in a file of 10 bytes");
  }

  @Test
  void aRecordNamesAValidTeacherAVersionAndOneBody() {
    assertThatThrownBy(() -> TeacherRecords.validate(chunk("m.onnx", 0, 1, 0, 1, 1).toBuilder().setTeacherId("Bad Id")
        .build())).hasMessageContaining("teacher_id");
    assertThatThrownBy(() -> TeacherRecords.validate(commit(file("m.onnx")).toBuilder().setVersion(0).build()))
        .hasMessage("distill.v1.TeacherRecord.version: must be >= 1, got 0");
    assertThatThrownBy(() -> TeacherRecords.validate(TeacherRecord.newBuilder().setTeacherId("mnist").setVersion(1)
        .build())).hasMessage("distill.v1.TeacherRecord.body: neither a chunk nor a commit");
    assertThatThrownBy(() -> TeacherRecords.validate(commit(file("m.onnx"), file("m.onnx"))))
        .hasMessageContaining("'m.onnx' is listed twice");
    assertThatThrownBy(() -> TeacherRecords.validate(commit(file("m.onnx").toBuilder().setSha256("ABC").build())))
        .hasMessageContaining("commit.files.sha256");
  }
}
