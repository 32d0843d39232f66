package dev.distill.publisher.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.platform.topics.Topics;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PipelineTest {
  private final Topics topics = Topics.withPrefix("t", 2);
  private final List<Pipeline.Watched> watched = Pipeline.watched(topics);
  private final TopicPartition s0 = new TopicPartition("t.samples", 0);
  private final TopicPartition s1 = new TopicPartition("t.samples", 1);
  private final Pipeline.DeadLetters none = new Pipeline.DeadLetters(0, Map.of());

  @Test
  void endOffsetsAreSummedOverPartitionsAndRatesComeFromThePreviousReading() {
    var before = new Pipeline.Reading(10_000, Map.of(s0, 100L, s1, 50L), Map.of());
    var now = new Pipeline.Reading(12_000, Map.of(s0, 300L, s1, 50L), Map.of());
    Pipeline p = Pipeline.of(watched, now, before, 2000, none, null);
    assertThat(p.available()).isTrue();
    assertThat(p.atMs()).isEqualTo(12_000);
    assertThat(p.stages()).extracting(Pipeline.Stage::name).containsExactly("samples", "soft-targets",
        "student-models", "candidates", "samples.dlq", "soft-targets.dlq");
    Pipeline.Stage samples = p.stages().get(0);
    assertThat(samples.topic()).isEqualTo("t.samples");
    assertThat(samples.endOffset()).isEqualTo(350);
    assertThat(samples.ratePerSec()).isEqualTo(100.0);
    assertThat(p.stages().get(1).endOffset()).isZero();
  }

  @Test
  void theFirstReadingHasNoRatesYet() {
    var now = new Pipeline.Reading(12_000, Map.of(s0, 300L), Map.of("g", Map.of(s0, 100L)));
    Pipeline p = Pipeline.of(watched, now, null, 2000, none, null);
    assertThat(p.stages().get(0).ratePerSec()).isZero();
    assertThat(p.consumers()).singleElement().satisfies(c -> assertThat(c.ratePerSec()).isZero());
  }

  @Test
  void lagCountsEveryPartitionAndAPartitionWithoutACommitIsBehindByAllOfIt() {
    var before = new Pipeline.Reading(0, Map.of(s0, 100L, s1, 40L), Map.of("scorer", Map.of(s0, 50L)));
    var now = new Pipeline.Reading(4_000, Map.of(s0, 100L, s1, 40L), Map.of("scorer", Map.of(s0, 90L)));
    Pipeline p = Pipeline.of(watched, now, before, 2000, none, null);
    assertThat(p.consumers()).singleElement().satisfies(c -> {
      assertThat(c.group()).isEqualTo("scorer");
      assertThat(c.topic()).isEqualTo("t.samples");
      assertThat(c.committed()).isEqualTo(90);
      assertThat(c.lag()).isEqualTo(10 + 40);
      assertThat(c.ratePerSec()).isEqualTo(10.0);
    });
  }

  @Test
  void offsetsThatWentBackGiveNoNegativeRate() {
    var before = new Pipeline.Reading(0, Map.of(s0, 500L), Map.of());
    var now = new Pipeline.Reading(2_000, Map.of(s0, 10L), Map.of());
    assertThat(Pipeline.of(watched, now, before, 2000, none, null).stages().get(0).ratePerSec()).isZero();
  }

  @Test
  void withoutKafkaThePageIsToldWhy() {
    assertThat(PipelineSource.unavailable("no Kafka").current())
        .isEqualTo(Map.of("available", false, "reason", "no Kafka"));
  }
}
