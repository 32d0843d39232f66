package dev.distill.platform.topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.contract.proto.Sample;
import dev.distill.contract.wire.SampleJson;
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
        "t1.student-models", "t1.device-reports", "t1.rollouts", "t1.devices", "t1.model-archive",
        "t1.trainer-checkpoints");
    assertThat(topics.modelArchive().configs())
        .containsEntry("cleanup.policy", "compact")
        .containsEntry("max.message.bytes", Integer.toString(Topics.MODEL_MAX_MESSAGE_BYTES));
    assertThat(topics.samples().partitions()).isEqualTo(3);
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
  void aPrefixWithIllegalCharactersIsRefused() {
    assertThatThrownBy(() -> Topics.withPrefix("a b", 1)).hasMessageContaining("must match");
  }
}
