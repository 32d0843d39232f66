package dev.distill.scorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.contract.data.DataHome;
import dev.distill.platform.config.ConfigException;
import dev.distill.scorer.onnx.ExecutionProvider;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class ScorerSettingsTest {

  @Test
  void theDefaultsScoreTheMnistTeacherAtTwentyInBatchesOf256() {
    ScorerSettings s = ScorerSettings.from(Map.of());
    Path home = DataHome.resolve().root();

    assertThat(s.teacherId()).isEqualTo("mnist");
    assertThat(s.teacherStore()).isEqualTo(home.resolve("teachers"));
    assertThat(s.stateDir()).isEqualTo(home.resolve("scorer/state"));
    assertThat(s.scoring().temperature()).isEqualTo(20.0);
    assertThat(s.scoring().topK()).isZero();
    assertThat(s.scoring().maxBatch()).isEqualTo(256);
    assertThat(s.scoring().maxWait()).isEqualTo(Duration.ofMillis(20));
    assertThat(s.scoring().maxSampleBytes()).isEqualTo(1 << 20);
    assertThat(s.ortThreads()).isEqualTo(2);
    assertThat(s.ortSpinning()).isFalse();
    assertThat(s.executionProvider()).isEqualTo(ExecutionProvider.AUTO);
    assertThat(s.teacherPollInterval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(s.teacherSync()).as("the single-machine demo keeps its teacher folder").isFalse();
    assertThat(s.applicationId()).isEqualTo("distill-scorer");
    assertThat(s.streamThreads()).isEqualTo(1);
    assertThat(s.service().httpPort()).isEqualTo(8081);
    assertThat(s.service().serviceName()).isEqualTo("scorer");
    assertThat(s.kafka().bootstrapServers()).isEqualTo("localhost:9092");
  }

  @Test
  void everyVariableIsRead() {
    ScorerSettings s = ScorerSettings.from(Map.ofEntries(
        Map.entry(ScorerSettings.TEACHER_ID, "fashion-mnist"),
        Map.entry(ScorerSettings.TEACHER_STORE, "/srv/teachers"),
        Map.entry(ScorerSettings.TEMPERATURE, "4.5"),
        Map.entry(ScorerSettings.TOP_K, "3"),
        Map.entry(ScorerSettings.MAX_BATCH, "64"),
        Map.entry(ScorerSettings.MAX_WAIT, "5ms"),
        Map.entry(ScorerSettings.ORT_THREADS, "4"),
        Map.entry(ScorerSettings.ORT_SPINNING, "true"),
        Map.entry(ScorerSettings.EXECUTION_PROVIDER, "cuda"),
        Map.entry(ScorerSettings.TEACHER_POLL_INTERVAL, "1m"),
        Map.entry(ScorerSettings.APPLICATION_ID, "scorer-b"),
        Map.entry(ScorerSettings.STREAM_THREADS, "2"),
        Map.entry(ScorerSettings.MAX_SAMPLE_BYTES, "65536"),
        Map.entry(ScorerSettings.STATE_DIR, "/var/lib/scorer"),
        Map.entry(ScorerSettings.TEACHER_SYNC, "true"),
        Map.entry("DISTILL_HTTP_PORT", "9100")));

    assertThat(s.teacherId()).isEqualTo("fashion-mnist");
    assertThat(s.teacherStore()).isEqualTo(Path.of("/srv/teachers"));
    assertThat(s.scoring()).extracting("temperature", "topK", "maxBatch", "maxWait", "maxSampleBytes")
        .containsExactly(4.5, 3, 64, Duration.ofMillis(5), 65536);
    assertThat(s.ortThreads()).isEqualTo(4);
    assertThat(s.ortSpinning()).isTrue();
    assertThat(s.executionProvider()).isEqualTo(ExecutionProvider.CUDA);
    assertThat(s.teacherPollInterval()).isEqualTo(Duration.ofMinutes(1));
    assertThat(s.teacherSync()).isTrue();
    assertThat(s.applicationId()).isEqualTo("scorer-b");
    assertThat(s.streamThreads()).isEqualTo(2);
    assertThat(s.stateDir()).isEqualTo(Path.of("/var/lib/scorer"));
    assertThat(s.service().httpPort()).isEqualTo(9100);
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    assertThatThrownBy(() -> ScorerSettings.from(Map.of(
        ScorerSettings.TEMPERATURE, "0",
        ScorerSettings.MAX_BATCH, "lots",
        ScorerSettings.EXECUTION_PROVIDER, "tpu",
        ScorerSettings.TEACHER_ID, "My Teacher",
        ScorerSettings.MAX_WAIT, "0ms")))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(
            "DISTILL_TEACHER_ID=My Teacher: expected a teacher id: lower-case letters, digits, '.', '_' or '-' (at most 64)",
            "DISTILL_EXECUTION_PROVIDER=tpu: expected one of [auto, cpu, cuda]",
            "DISTILL_TEMPERATURE=0: expected a number in [0.01, 1000.0]",
            "DISTILL_MAX_BATCH=lots: expected an integer in [1, 65536]",
            "DISTILL_MAX_WAIT=0ms: expected a duration between 1ms and 600s (e.g. 500ms, 30s, 5m)"));
  }

  @Test
  void streamsRunExactlyOnceWithKafkaOverridesButNeverWithoutIt() {
    Properties p = ScorerSettings.from(Map.of(
        "DISTILL_BOOTSTRAP_SERVERS", "broker:9092",
        "KAFKA_COMMIT_INTERVAL_MS", "250",
        "KAFKA_PROCESSING_GUARANTEE", "at_least_once",
        ScorerSettings.MAX_WAIT, "30ms")).streamsProperties();

    assertThat(p).containsEntry(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2)
        .containsEntry(StreamsConfig.APPLICATION_ID_CONFIG, "distill-scorer")
        .containsEntry(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "broker:9092")
        .containsEntry(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "250")
        .containsEntry(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1)
        .containsEntry(StreamsConfig.POLL_MS_CONFIG, 30L);
  }

  @Test
  void atLeastOnceIsOnlyEverAskedForByName() {
    Properties p = ScorerSettings.from(Map.of(ScorerSettings.PROCESSING_GUARANTEE, "at-least-once")).streamsProperties();

    assertThat(p).containsEntry(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
    assertThat(ScorerSettings.from(Map.of()).guarantee()).isEqualTo(ProcessingGuarantee.EXACTLY_ONCE);
  }
}
