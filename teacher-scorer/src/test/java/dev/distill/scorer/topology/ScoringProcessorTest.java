package dev.distill.scorer.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.contract.model.TeacherStore;
import dev.distill.contract.proto.Sample;
import dev.distill.contract.proto.SoftTarget;
import dev.distill.scorer.onnx.ExecutionProvider;
import dev.distill.scorer.onnx.OnnxTeacherLoader;
import dev.distill.scorer.teacher.LiveTeacher;
import dev.distill.scorer.teacher.TeacherPoller;
import dev.distill.scorer.testing.TestModels;
import dev.distill.scorer.testing.TestSamples;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a restarted task does with the samples its store restored: the crash-recovery half of exactly-once. */
class ScoringProcessorTest {
  @TempDir Path dir;

  MockProcessorContext<Object, Object> context;
  KeyValueStore<Long, byte[]> buffer;
  LiveTeacher live;

  @BeforeEach
  void storeAndTeacher() {
    TeacherStore teachers = new TeacherStore(dir.resolve("teachers"));
    TestModels.publish(teachers, "mnist", TestModels.mlp(1, 784, 16, 10));
    live = new LiveTeacher(TeacherPoller.loadLatest(teachers, "mnist", new OnnxTeacherLoader(1, ExecutionProvider.CPU)));
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "restore-test");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    p.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
    context = new MockProcessorContext<>(p);
    buffer = Stores.keyValueStoreBuilder(
        Stores.inMemoryKeyValueStore(ScorerTopology.BUFFER_STORE), Serdes.Long(), Serdes.ByteArray())
        .withLoggingDisabled().build();
    buffer.init(context.getStateStoreContext(), buffer);
    context.addStateStore(buffer);
  }

  @AfterEach
  void closeTeacher() {
    live.close();
  }

  ScoringProcessor started(int maxBatch, SimpleMeterRegistry registry) {
    ScoringProcessor processor = new ScoringProcessor(
        new ScoringOptions(20, 0, maxBatch, Duration.ofMillis(20), 1 << 20), live,
        new ScoringMetrics(registry), Clock.systemUTC(), Runnable::run);
    processor.init(context);
    return processor;
  }

  List<String> forwardedIds() {
    return context.forwarded(ScorerTopology.SOFT_TARGETS).stream()
        .map(f -> ((SoftTarget) f.record().value()).getSampleId()).toList();
  }

  @Test
  void samplesRestoredIntoTheBufferAreScoredFirstAndNewSamplesQueueBehindThem() {
    // what the changelog held at the last commit before a crash: two samples waiting for their
    // batch, in slots that were reused out of input order
    Sample a = TestSamples.image("a", 1, 1);
    Sample b = TestSamples.image("b", 2, 2);
    Header trace = new RecordHeader("trace-id", "t-1".getBytes(StandardCharsets.UTF_8));
    buffer.put(1L, new RawRecord(a.getId().getBytes(StandardCharsets.UTF_8), a.toByteArray(), new Header[] {trace},
        "distill.samples", 3, 1000, 11).toBytes());
    buffer.put(0L, new RawRecord(b.getId().getBytes(StandardCharsets.UTF_8), b.toByteArray(), new Header[0],
        "distill.samples", 3, 1001, 12).toBytes());

    ScoringProcessor processor = started(256, new SimpleMeterRegistry());
    context.setCurrentSystemTimeMs(1_000);
    Sample c = TestSamples.image("c", 3, 3);
    context.setRecordMetadata("distill.samples", 3, 1002);
    processor.process(new Record<>(c.getId().getBytes(StandardCharsets.UTF_8), c.toByteArray(), 13));
    List<Long> keysWhileWaiting = keys(buffer);
    context.scheduledPunctuators().get(0).getPunctuator().punctuate(context.currentSystemTimeMs());

    assertThat(keysWhileWaiting).containsExactly(0L, 1L, 2L);
    List<Record<?, ?>> forwarded = context.forwarded(ScorerTopology.SOFT_TARGETS).stream()
        .<Record<?, ?>>map(MockProcessorContext.CapturedForward::record).toList();
    assertThat(forwardedIds()).containsExactly("a", "b", "c");
    assertThat(forwarded).extracting(Record::timestamp).containsExactly(11L, 12L, 13L);
    assertThat(context.forwarded(ScorerTopology.DEAD_LETTERS)).isEmpty();
    assertThat(keys(buffer)).isEmpty();
  }

  @Test
  void moreThanABatchRestoredIsScoredInBatchesOfAtMostTheMaximum() {
    // in flight at the last commit as well as pending: a restore can hold more than one batch
    for (int i = 0; i < 5; i++) {
      Sample s = TestSamples.image("r" + i, i, i);
      buffer.put((long) i, new RawRecord(s.getId().getBytes(StandardCharsets.UTF_8), s.toByteArray(), new Header[0],
          "distill.samples", 3, 2000 + i, i).toBytes());
    }
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    started(2, registry);
    context.scheduledPunctuators().get(0).getPunctuator().punctuate(1_000);

    assertThat(forwardedIds()).containsExactly("r0", "r1", "r2", "r3", "r4");
    assertThat(registry.get(ScoringMetrics.BATCH_SIZE).summary().count()).isEqualTo(3);
    assertThat(registry.get(ScoringMetrics.BATCH_SIZE).summary().max()).isEqualTo(2);
    assertThat(keys(buffer)).isEmpty();
  }

  private static List<Long> keys(KeyValueStore<Long, byte[]> store) {
    List<Long> keys = new ArrayList<>();
    try (var it = store.all()) {
      it.forEachRemaining(kv -> keys.add(kv.key));
    }
    return keys;
  }

  @Test
  void aBufferedRecordSurvivesItsEncodingByteForByte() {
    Header[] headers = {new RecordHeader("content-type", "application/json".getBytes(StandardCharsets.UTF_8)),
        new RecordHeader("empty", null)};
    RawRecord r = new RawRecord(null, new byte[] {1, 2, 3}, headers, "p.samples", 7, 123_456_789_012L, 99);

    RawRecord back = RawRecord.fromBytes(r.toBytes());

    assertThat(back.key()).isNull();
    assertThat(back.value()).containsExactly(1, 2, 3);
    assertThat(back.headers()).extracting(Header::key).containsExactly("content-type", "empty");
    assertThat(back.headers()[0].value()).isEqualTo(headers[0].value());
    assertThat(back.headers()[1].value()).isNull();
    assertThat(back.position()).isEqualTo("p.samples-7@123456789012");
    assertThat(back.timestamp()).isEqualTo(99);
  }
}
