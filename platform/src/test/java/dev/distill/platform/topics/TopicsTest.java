package dev.distill.platform.topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.distill.contract.proto.Sample;
import dev.distill.contract.proto.TeacherChunk;
import dev.distill.contract.proto.TeacherRecord;
import dev.distill.contract.wire.SampleJson;
import dev.distill.contract.wire.TeacherRecords;
import dev.distill.contract.wire.Tensors;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class TopicsTest {
  private final Topics topics = Topics.withPrefix("t1", 3);

  @Test
  void catalogNamesEveryTopicUnderThePrefix() {
    assertThat(topics.all()).extracting(Topic::name).containsExactly(
        "t1.samples", "t1.samples.dlq", "t1.soft-targets", "t1.soft-targets.dlq",
        "t1.student-models", "t1.device-reports", "t1.rollouts", "t1.rollout-commands", "t1.devices", "t1.model-archive",
        "t1.trainer-checkpoints", "t1.teachers", "t1.audit", "t1.candidates");
    assertThat(topics.modelArchive().configs())
        .containsEntry("cleanup.policy", "compact")
        .containsEntry("max.message.bytes", Integer.toString(Topics.MODEL_MAX_MESSAGE_BYTES));
    assertThat(topics.samples().partitions()).isEqualTo(3);
    assertThat(topics.rolloutCommands().partitions()).as("one order of commands: the controller's lease").isEqualTo(1);
    assertThat(topics.rolloutCommands().configs())
        .containsEntry("cleanup.policy", "delete")
        .containsEntry("retention.ms", "604800000");
    assertThat(topics.teachers().partitions()).isEqualTo(1);
    assertThat(topics.teachers().configs())
        .containsEntry("cleanup.policy", "compact")
        .containsEntry("max.message.bytes", Integer.toString(Topics.TEACHER_MAX_MESSAGE_BYTES));
    assertThat(topics.studentModels().configs())
        .containsEntry("cleanup.policy", "compact")
        .containsEntry("max.message.bytes", Integer.toString(Topics.MODEL_MAX_MESSAGE_BYTES));
  }

  @Test
  void sampleSerdeReadsJsonByHeaderAndNamesTopicAndFieldOnBadBytes() {
    Sample s = Sample.newBuilder().setId("x").setFeatures(Tensors.uint8(new byte[] {1, 2, 3}, 3)).build();
    var de = topics.samples().valueSerde().deserializer();
    RecordHeaders json = new RecordHeaders();
    json.add("content-type", "application/json".getBytes(StandardCharsets.UTF_8));
    assertThat(de.deserialize("t1.samples", json, SampleJson.toJson(s).getBytes(StandardCharsets.UTF_8)))
        .isEqualTo(s);

    RecordHeaders headers = new RecordHeaders();
    byte[] bytes = topics.samples().valueSerde().serializer().serialize("t1.samples", headers, s);
    assertThat(new String(headers.lastHeader("content-type").value(), StandardCharsets.UTF_8))
        .isEqualTo("application/x-protobuf");
    assertThat(de.deserialize("t1.samples", headers, bytes)).isEqualTo(s);

    assertThatThrownBy(() -> de.deserialize("t1.samples", new RecordHeaders(), new byte[] {(byte) 0xff}))
        .isInstanceOfSatisfying(RecordDecodeException.class, e -> {
          assertThat(e.topic()).isEqualTo("t1.samples");
          assertThat(e.getMessage()).startsWith("topic t1.samples: cannot decode distill.v1.Sample:");
        });
  }

  @Test
  void aFullChunkRecordFitsTheTeacherTopicsMessageLimit() {
    TeacherRecord chunk = TeacherRecord.newBuilder().setTeacherId("a".repeat(64)).setVersion(Integer.MAX_VALUE)
        .setChunk(TeacherChunk.newBuilder().setFile("f".repeat(128)).setIndex(1_000_000).setCount(1_000_001)
            .setOffset(Long.MAX_VALUE / 2).setData(ByteString.copyFrom(new byte[TeacherRecords.CHUNK_BYTES]))
            .setFileLength(Long.MAX_VALUE).setFileSha256("0".repeat(64)))
        .build();
    String key = TeacherRecords.chunkKey("a".repeat(64), Integer.MAX_VALUE, "f".repeat(128), 1_000_000);
    // one record in a batch of its own: the batch and record headers add well under 100 bytes
    assertThat(chunk.getSerializedSize() + key.length() + 100).isLessThan(Topics.TEACHER_MAX_MESSAGE_BYTES);
    assertThat(topics.teachers().valueSerde().deserializer().deserialize("t1.teachers",
        topics.teachers().valueSerde().serializer().serialize("t1.teachers", chunk))).isEqualTo(chunk);
  }

  @Test
  void aPrefixWithIllegalCharactersIsRefused() {
    assertThatThrownBy(() -> Topics.withPrefix("a b", 1)).hasMessageContaining("must match");
  }
}
