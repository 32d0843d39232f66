package dev.distill.scorer.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.distill.contract.model.TeacherStore;
import dev.distill.contract.proto.DType;
import dev.distill.contract.proto.Sample;
import dev.distill.contract.proto.SoftTarget;
import dev.distill.contract.proto.Tensor;
import dev.distill.contract.wire.ContentType;
import dev.distill.contract.wire.MalformedMessageException;
import dev.distill.contract.wire.SampleJson;
import dev.distill.contract.wire.SoftTargets;
import dev.distill.contract.wire.Tensors;
import dev.distill.platform.topics.Topics;
import dev.distill.scorer.onnx.ExecutionProvider;
import dev.distill.scorer.onnx.OnnxTeacherLoader;
import dev.distill.scorer.teacher.LiveTeacher;
import dev.distill.scorer.teacher.TeacherPoller;
import dev.distill.scorer.testing.Reference;
import dev.distill.scorer.testing.TestModels;
import dev.distill.scorer.testing.TestSamples;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The production topology in the TopologyTestDriver, with real ONNX teachers. */
class ScorerTopologyTest {
  static final Instant START = Instant.parse("2025-06-01T12:00:00Z");
  static final Instant SCORED_AT = START.plusSeconds(5);
  static final Duration LONG = Duration.ofHours(1);
  static final byte[] MLP = TestModels.mlp(1, 784, 64, 10);
  static final byte[] OTHER_MLP = TestModels.mlp(2, 784, 32, 16, 10);
  static OnnxTeacherLoader loader;

  @TempDir Path dir;
  final Topics topics = Topics.withPrefix("t", 1);
  TeacherStore store;
  LiveTeacher live;
  SimpleMeterRegistry registry;
  TopologyTestDriver driver;
  TestInputTopic<String, byte[]> in;
  TestOutputTopic<String, SoftTarget> out;
  TestOutputTopic<byte[], byte[]> dlq;

  @BeforeAll
  static void loader() {
    loader = new OnnxTeacherLoader(1, ExecutionProvider.CPU);
  }

  void start(ScoringOptions options, byte[]... members) {
    store = new TeacherStore(dir.resolve("teachers"));
    TestModels.publish(store, "mnist", members);
    live = new LiveTeacher(TeacherPoller.loadLatest(store, "mnist", loader));
    registry = new SimpleMeterRegistry();
    Clock clock = Clock.fixed(SCORED_AT, ZoneOffset.UTC);
    Driven d = Driven.start(
        ScorerTopology.build(topics, options, live, new ScoringMetrics(registry), clock), topics, "scorer-test",
        dir.resolve("state"), START);
    driver = d.driver();
    in = d.in();
    out = d.out();
    dlq = d.dlq();
  }

  @AfterEach
  void stop() {
    if (driver != null) {
      driver.close();
    }
    if (live != null) {
      live.close();
    }
  }

  static ScoringOptions options(double temperature, int topK, int maxBatch, Duration maxWait) {
    return new ScoringOptions(temperature, topK, maxBatch, maxWait, 4096);
  }

  static List<Sample> images(int n) {
    return IntStream.range(0, n).mapToObj(i -> TestSamples.image("s-" + i, i, i % 10)).toList();
  }

  void send(Sample s) {
    in.pipeInput(s.getId(), s.toByteArray());
  }

  static void assertProbabilities(List<Float> actual, double[] expected) {
    assertThat(actual).hasSize(expected.length);
    for (int i = 0; i < expected.length; i++) {
      assertThat((double) actual.get(i)).as("class %d", i).isCloseTo(expected[i], within(1e-6));
    }
  }

  @Test
  void denseSoftTargetsAreTheTeachersSoftmaxAtTWithTheSampleAndItsProvenance() throws Exception {
    start(options(2.0, 0, 4, LONG), MLP);
    List<Sample> samples = images(4);
    samples.forEach(this::send);

    List<TestRecord<String, SoftTarget>> got = out.readRecordsToList();

    assertThat(got).hasSize(4);
    try (Reference ref = new Reference(MLP)) {
      for (int i = 0; i < 4; i++) {
        Sample s = samples.get(i);
        SoftTarget t = got.get(i).value();
        assertThat(got.get(i).key()).isEqualTo(s.getId());
        assertThat(got.get(i).headers().lastHeader(ContentType.HEADER).value())
            .asString(StandardCharsets.UTF_8).isEqualTo("application/x-protobuf");
        assertThat(t.getSampleId()).isEqualTo(s.getId());
        assertThat(t.getFeatures()).isEqualTo(s.getFeatures());
        assertThat(t.getLabel()).isEqualTo(s.getLabel());
        assertThat(t.getSource()).isEqualTo(s.getSource());
        assertThat(t.getEventTimeMs()).isEqualTo(s.getEventTimeMs());
        assertThat(t.getNumClasses()).isEqualTo(10);
        assertThat(t.getTemperature()).isEqualTo(2f);
        assertThat(t.getTeacherId()).isEqualTo("mnist");
        assertThat(t.getTeacherVersion()).isEqualTo("1");
        assertThat(t.getEnsembleSize()).isEqualTo(1);
        assertThat(t.getScoredAtMs()).isEqualTo(SCORED_AT.toEpochMilli());
        assertThat(t.hasTopK()).isFalse();
        assertProbabilities(t.getProbsList(), ref.soften(Tensors.toFloats(s.getFeatures()), 2.0));
      }
    }
    assertThat(dlq.isEmpty()).isTrue();
    assertThat(registry.get(ScoringMetrics.SOFT_TARGETS).counter().count()).isEqualTo(4);
    assertThat(registry.get(ScoringMetrics.RECORDS_IN).counter().count()).isEqualTo(4);
  }

  @Test
  void anUnlabelledSampleGivesAnUnlabelledSoftTarget() {
    start(options(20, 0, 1, LONG), MLP);
    send(TestSamples.image("u-1", 1, 0).toBuilder().clearLabel().build());

    assertThat(out.readValue().hasLabel()).isFalse();
  }

  @Test
  void topKKeepsTheLargestProbabilitiesAndTheResidualSpreadsOverTheRest() throws Exception {
    start(options(1.0, 3, 1, LONG), MLP);
    Sample s = images(1).get(0);
    send(s);

    SoftTarget t = out.readValue();

    double[] q;
    try (Reference ref = new Reference(MLP)) {
      q = ref.soften(Tensors.toFloats(s.getFeatures()), 1.0);
    }
    Integer[] byProbability = IntStream.range(0, 10).boxed().toArray(Integer[]::new);
    Arrays.sort(byProbability, (a, b) -> Double.compare(q[b], q[a]));
    assertThat(t.getProbsCount()).isZero();
    assertThat(t.getTopK().getIndicesList()).containsExactly(byProbability[0], byProbability[1], byProbability[2]);
    double listed = 0;
    for (int i = 0; i < 3; i++) {
      assertThat((double) t.getTopK().getProbs(i)).isCloseTo(q[byProbability[i]], within(1e-6));
      listed += q[byProbability[i]];
    }
    assertThat((double) t.getTopK().getResidual()).isCloseTo(1 - listed, within(1e-6));
    float[] dense = SoftTargets.dense(t);
    for (int i = 3; i < 10; i++) {
      assertThat((double) dense[byProbability[i]]).isCloseTo((1 - listed) / 7, within(1e-6));
    }
  }

  @Test
  void anEnsembleScoresTheMeanOfItsMembersSoftenedDistributions() throws Exception {
    start(options(3.0, 0, 2, LONG), MLP, OTHER_MLP);
    List<Sample> samples = images(2);
    samples.forEach(this::send);

    List<SoftTarget> got = out.readValuesToList();

    try (Reference both = new Reference(MLP, OTHER_MLP); Reference first = new Reference(MLP)) {
      for (int i = 0; i < 2; i++) {
        float[] x = Tensors.toFloats(samples.get(i).getFeatures());
        assertThat(got.get(i).getEnsembleSize()).isEqualTo(2);
        assertProbabilities(got.get(i).getProbsList(), both.soften(x, 3.0));
        double[] alone = first.soften(x, 3.0);
        SoftTarget t = got.get(i);
        assertThat(IntStream.range(0, 10).mapToDouble(c -> Math.abs(alone[c] - t.getProbs(c))).max().orElseThrow())
            .as("not just the first member").isGreaterThan(1e-4);
      }
    }
  }

  @Test
  void aJsonSampleIsScoredLikeItsProtobufTwin() {
    start(options(20, 0, 2, LONG), MLP);
    Sample s = images(1).get(0);
    send(s);
    Headers json = new RecordHeaders().add(ContentType.HEADER, "application/json".getBytes(StandardCharsets.UTF_8));
    in.pipeInput(new TestRecord<>(s.getId(), SampleJson.toJson(s).getBytes(StandardCharsets.UTF_8), json));

    List<SoftTarget> got = out.readValuesToList();

    assertThat(got).hasSize(2);
    assertThat(got.get(1).getProbsList()).isEqualTo(got.get(0).getProbsList());
    assertThat(got.get(1).getFeatures()).isEqualTo(s.getFeatures());
  }

  @Test
  void float32FeaturesAreScoredLikeTheirUint8Twin() {
    start(options(20, 0, 2, LONG), MLP);
    Sample s = images(1).get(0);
    Sample asFloats = s.toBuilder().setId("floats").setFeatures(Tensors.float32(Tensors.toFloats(s.getFeatures()), 784)).build();
    send(s);
    send(asFloats);

    List<SoftTarget> got = out.readValuesToList();

    assertThat(got).extracting(SoftTarget::getSampleId).containsExactly(s.getId(), "floats");
    assertThat(got.get(1).getProbsList()).isEqualTo(got.get(0).getProbsList());
  }

  @Test
  void aFullBatchIsScoredAtOnceAndItsSamplesWaitInTheChangeloggedStoreUntilThen() {
    start(options(20, 0, 5, LONG), MLP);
    List<Sample> samples = images(7);
    samples.subList(0, 4).forEach(this::send);

    assertThat(out.isEmpty()).isTrue();
    KeyValueStore<Long, byte[]> buffer = driver.getKeyValueStore(ScorerTopology.BUFFER_STORE);
    assertThat(ids(buffer)).containsExactly("s-0", "s-1", "s-2", "s-3");
    assertThat(registry.get(ScoringMetrics.BUFFERED).gauge().value()).isEqualTo(4);

    send(samples.get(4));

    assertThat(out.readValuesToList()).extracting(SoftTarget::getSampleId).containsExactly("s-0", "s-1", "s-2", "s-3", "s-4");
    assertThat(ids(buffer)).isEmpty();
    assertThat(registry.get(ScoringMetrics.BATCH_SIZE).summary().count()).isEqualTo(1);
    assertThat(registry.get(ScoringMetrics.BATCH_SIZE).summary().totalAmount()).isEqualTo(5);
    assertThat(registry.get(ScoringMetrics.BUFFERED).gauge().value()).isZero();

    samples.subList(5, 7).forEach(this::send);
    assertThat(ids(buffer)).as("the next batch reuses the slots").containsExactly("s-5", "s-6");
  }

  private static List<String> ids(KeyValueStore<Long, byte[]> buffer) {
    List<String> ids = new ArrayList<>();
    try (var it = buffer.all()) {
      it.forEachRemaining(kv -> ids.add(new String(RawRecord.fromBytes(kv.value).key(), StandardCharsets.UTF_8)));
    }
    return ids;
  }

  @Test
  void aPartialBatchIsScoredOnceItsOldestSampleHasWaitedTheMaximumWait() {
    start(options(20, 0, 256, Duration.ofMillis(20)), MLP);
    images(3).forEach(this::send);

    driver.advanceWallClockTime(Duration.ofMillis(19));
    assertThat(out.isEmpty()).as("19 ms after the first sample").isTrue();

    driver.advanceWallClockTime(Duration.ofMillis(21));
    assertThat(out.readValuesToList()).extracting(SoftTarget::getSampleId).containsExactly("s-0", "s-1", "s-2");
  }

  @Test
  void aNewTeacherVersionScoresFromTheNextBatchOnAndNamesItself() throws Exception {
    start(options(20, 0, 3, LONG), MLP);
    TeacherPoller poller = new TeacherPoller(store, "mnist", loader, live);
    List<Sample> samples = images(6);
    samples.subList(0, 3).forEach(this::send);
    samples.subList(3, 5).forEach(this::send); // buffered when v2 arrives

    TestModels.publish(store, "mnist", OTHER_MLP);
    assertThat(poller.pollOnce()).isTrue();
    send(samples.get(5));

    List<SoftTarget> got = out.readValuesToList();
    assertThat(got).extracting(SoftTarget::getTeacherVersion).containsExactly("1", "1", "1", "2", "2", "2");
    try (Reference v1 = new Reference(MLP); Reference v2 = new Reference(OTHER_MLP)) {
      for (int i = 0; i < 6; i++) {
        Reference ref = i < 3 ? v1 : v2;
        assertProbabilities(got.get(i).getProbsList(), ref.soften(Tensors.toFloats(samples.get(i).getFeatures()), 20));
      }
    }
  }

  @Test
  void everyInputLeavesAsExactlyOneSoftTargetOrOneDeadLetter() {
    start(options(20, 0, 7, Duration.ofMillis(20)), MLP);
    Set<String> good = new HashSet<>();
    Set<String> bad = new HashSet<>();
    for (int i = 0; i < 40; i++) {
      if (i % 5 == 3) {
        in.pipeInput("bad-" + i, new byte[] {(byte) 0xff, 1, 2});
        bad.add("bad-" + i);
      } else {
        Sample s = TestSamples.image("good-" + i, i, i % 10);
        send(s);
        good.add(s.getId());
      }
    }
    driver.advanceWallClockTime(Duration.ofSeconds(1));

    assertThat(out.readKeyValuesToMap().keySet()).isEqualTo(good);
    List<String> deadKeys = dlq.readKeyValuesToList().stream().map(kv -> new String(kv.key, StandardCharsets.UTF_8)).toList();
    assertThat(deadKeys).hasSize(bad.size()).containsExactlyInAnyOrderElementsOf(bad);
  }

  static Stream<Arguments> unscorable() {
    Sample ok = TestSamples.image("x", 9, 4);
    Tensor shortData = ok.getFeatures().toBuilder().setData(ok.getFeatures().getData().substring(1)).build();
    float[] nan = new float[784];
    nan[5] = Float.NaN;
    String malformed = MalformedMessageException.class.getName();
    String unscorable = UnscorableSampleException.class.getName();
    return Stream.of(
        Arguments.of("garbage", new byte[] {(byte) 0xff, (byte) 0xff, 3}, null,
            DlqReason.UNDECODABLE, "distill.v1.Sample: not a valid protobuf message (3 bytes)", malformed),
        Arguments.of("null value", null, null,
            DlqReason.UNDECODABLE, "distill.v1.Sample: record value is null", malformed),
        Arguments.of("unknown content-type", ok.toByteArray(), "text/csv",
            DlqReason.UNDECODABLE, "header.content-type: unsupported content-type 'text/csv'", malformed),
        Arguments.of("broken JSON", "{\"id\":".getBytes(StandardCharsets.UTF_8), "application/json",
            DlqReason.UNDECODABLE, "distill.v1.Sample: not valid JSON", malformed),
        Arguments.of("empty id", ok.toBuilder().setId("").build().toByteArray(), null,
            DlqReason.INVALID, "distill.v1.Sample.id: is empty", malformed),
        Arguments.of("label beyond the classes", ok.toBuilder().setLabel(12).build().toByteArray(), null,
            DlqReason.INVALID, "label 12 is not a class of teacher mnist v1 (10 classes)", unscorable),
        Arguments.of("27x29 image", ok.toBuilder().setFeatures(Tensors.uint8(new byte[27 * 29], 27, 29)).build().toByteArray(), null,
            DlqReason.WRONG_SHAPE, "teacher mnist v1: input 'pixels' wants float32 [N, 784]; the sample tensor is uint8 [27, 29]", unscorable),
        Arguments.of("data shorter than its shape", ok.toBuilder().setFeatures(shortData).build().toByteArray(), null,
            DlqReason.WRONG_SHAPE, "distill.v1.Sample.features.data: shape [28, 28] of UINT8 needs 784 bytes, got 783", malformed),
        Arguments.of("no dtype", ok.toBuilder().setFeatures(ok.getFeatures().toBuilder().setDtype(DType.DTYPE_UNSPECIFIED)).build().toByteArray(), null,
            DlqReason.WRONG_SHAPE, "distill.v1.Sample.features.dtype: unsupported dtype 0", malformed),
        Arguments.of("a NaN feature", ok.toBuilder().setFeatures(Tensors.float32(nan, 28, 28)).build().toByteArray(), null,
            DlqReason.NON_FINITE, "distill.v1.Sample.features.data: element 5 is NaN (must be finite)", malformed),
        Arguments.of("too large", ok.toBuilder().setFeatures(Tensors.float32(new float[2 * 784], 2, 784)).build().toByteArray(), null,
            DlqReason.OVERSIZED, "bytes, at most 4096 are scored", unscorable));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unscorable")
  void anUnscorableRecordBecomesOneDeadLetterWithItsOriginalBytesAndTheReason(
      String name, byte[] value, String contentType, DlqReason reason, String message, String exception) {
    start(options(20, 0, 1, LONG), MLP);
    send(TestSamples.image("first", 1, 1)); // offset 0, so the bad record is at offset 1
    Headers headers = new RecordHeaders().add("trace-id", "abc".getBytes(StandardCharsets.UTF_8));
    if (contentType != null) {
      headers.add(ContentType.HEADER, contentType.getBytes(StandardCharsets.UTF_8));
    }
    in.pipeInput(new TestRecord<>("bad-key", value, headers, START.plusMillis(7)));

    assertThat(out.readValuesToList()).extracting(SoftTarget::getSampleId).containsExactly("first");
    TestRecord<byte[], byte[]> dead = dlq.readRecord();
    assertThat(dlq.isEmpty()).isTrue();
    assertThat(dead.key()).asString(StandardCharsets.UTF_8).isEqualTo("bad-key");
    assertThat(dead.value()).isEqualTo(value);
    assertThat(dead.timestamp()).isEqualTo(START.plusMillis(7).toEpochMilli());
    assertThat(header(dead, "trace-id")).isEqualTo("abc");
    if (contentType != null) {
      assertThat(header(dead, ContentType.HEADER)).isEqualTo(contentType);
    }
    assertThat(header(dead, DeadLetters.REASON)).isEqualTo(reason.code());
    assertThat(header(dead, DeadLetters.MESSAGE)).contains(message);
    assertThat(header(dead, DeadLetters.EXCEPTION)).isEqualTo(exception);
    assertThat(header(dead, DeadLetters.SOURCE_TOPIC)).isEqualTo("t.samples");
    assertThat(header(dead, DeadLetters.SOURCE_PARTITION)).isEqualTo("0");
    assertThat(header(dead, DeadLetters.SOURCE_OFFSET)).isEqualTo("1");
    assertThat(registry.get(ScoringMetrics.DEAD_LETTERS).tag("reason", reason.code()).counter().count()).isEqualTo(1);
  }

  private static String header(TestRecord<?, ?> r, String key) {
    Header h = r.headers().lastHeader(key);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  @Test
  void aSampleThatMakesTheTeacherOverflowIsDeadLetteredAndTheRestOfItsBatchIsScored() {
    start(options(20, 0, 3, LONG), TestModels.overflowing(784, 10));
    float[] huge = new float[784];
    Arrays.fill(huge, 1e10f);
    send(TestSamples.image("a", 1, 1));
    Sample overflowing = Sample.newBuilder().setId("huge").setFeatures(Tensors.float32(huge, 784)).build();
    send(overflowing);
    send(TestSamples.image("b", 2, 2));

    assertThat(out.readValuesToList()).extracting(SoftTarget::getSampleId).containsExactly("a", "b");
    TestRecord<byte[], byte[]> dead = dlq.readRecord();
    assertThat(dead.value()).isEqualTo(overflowing.toByteArray());
    assertThat(header(dead, DeadLetters.REASON)).isEqualTo("non-finite-output");
    assertThat(header(dead, DeadLetters.MESSAGE)).isEqualTo("teacher mnist v1 gave a non-finite logit for this sample");
  }
}
