package dev.distill.scorer.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.distill.contract.model.Preprocess;
import dev.distill.contract.model.TeacherStore;
import dev.distill.contract.proto.Sample;
import dev.distill.contract.proto.SoftTarget;
import dev.distill.contract.wire.ContentType;
import dev.distill.contract.wire.SampleJson;
import dev.distill.contract.wire.Tensors;
import dev.distill.platform.topics.Topics;
import dev.distill.scorer.importer.TeacherImport;
import dev.distill.scorer.importer.TeacherImporter;
import dev.distill.scorer.onnx.ExecutionProvider;
import dev.distill.scorer.onnx.OnnxTeacherLoader;
import dev.distill.scorer.teacher.LiveTeacher;
import dev.distill.scorer.teacher.Softening;
import dev.distill.scorer.teacher.TeacherPoller;
import dev.distill.scorer.testing.Fixtures;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Teachers exported by real PyTorch, imported, then scored through the production topology: each
 * soft target equals softmax(z/T) of the ONNX file run directly on the sample as the user would
 * prepare it (preprocessing by hand, the user's tensor names).
 */
class ImportedTeacherTopologyTest {
  static final Instant START = Instant.parse("2026-12-03T00:00:00Z");
  static final double T = 4.0;

  @TempDir Path dir;
  final Topics topics = Topics.withPrefix("t", 1);
  LiveTeacher live;
  TopologyTestDriver driver;
  TestInputTopic<String, byte[]> in;
  TestOutputTopic<String, SoftTarget> out;
  TestOutputTopic<byte[], byte[]> dlq;

  void start(TeacherImport request) throws Exception {
    TeacherStore store = new TeacherStore(dir.resolve("teachers"));
    new TeacherImporter(Clock.systemUTC()).importInto(store, request);
    live = new LiveTeacher(TeacherPoller.loadLatest(store, request.teacherId(),
        new OnnxTeacherLoader(1, ExecutionProvider.CPU)));
    ScoringOptions options = new ScoringOptions(T, 0, 8, Duration.ofSeconds(1), 1 << 20);
    Driven d = Driven.start(ScorerTopology.build(topics, options, live,
        new ScoringMetrics(new SimpleMeterRegistry()), Clock.fixed(START, ZoneOffset.UTC)), topics, "imported-test",
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

  @Test
  void rawUint8ImagesFeedAnNchwCnnThroughItsDeclaredNormalisation() throws Exception {
    start(TeacherImport.of("fashion", Fixtures.path("fashion-cnn.onnx"))
        .withPreprocess("image", Preprocess.parse(Fixtures.FASHION_PREPROCESS)));
    Random rnd = new Random(5);
    byte[][] images = new byte[8][784];
    for (int i = 0; i < 8; i++) {
      rnd.nextBytes(images[i]);
      Sample s = Sample.newBuilder().setId("f-" + i).setFeatures(Tensors.uint8(images[i], 28, 28)).build();
      in.pipeInput(s.getId(), s.toByteArray());
    }
    List<TestRecord<String, SoftTarget>> got = out.readRecordsToList();
    assertThat(got).hasSize(8);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession direct = env.createSession(Fixtures.path("fashion-cnn.onnx").toString())) {
      for (int i = 0; i < 8; i++) {
        float[] x = new float[784];
        for (int k = 0; k < 784; k++) {
          x[k] = (float) (((images[i][k] & 0xff) / 255.0 - 0.2860) / 0.3530);
        }
        try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {1, 1, 28, 28});
            OrtSession.Result r = direct.run(Map.of("image", t))) {
          float[] z = ((float[][]) r.get(0).getValue())[0];
          assertClose(got.get(i).getValue().getProbsList(), Softening.soften(z, T));
        }
      }
    }
    assertThat(got.get(0).getValue().getFeatures().getShapeList()).containsExactly(28, 28);
  }

  @Test
  void aTwoInputTokenSampleIsScoredByNameAndPassedThroughWithBothTensors() throws Exception {
    start(TeacherImport.of("tokens", Fixtures.path("token-bag.onnx")));
    long[][] ids = {{3, 9, 10, 40, 0, 0}, {25, 26, 50, 51, 27, 0}, {1, 2}};
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    for (int i = 0; i < ids.length; i++) {
      long[] mask = new long[ids[i].length];
      for (int k = 0; k < mask.length; k++) {
        mask[k] = ids[i][k] == 0 ? 0 : 1;
      }
      Sample s = Sample.newBuilder().setId("t-" + i).setLabel(i)
          .putTensors("input_ids", Tensors.int64(ids[i], ids[i].length))
          .putTensors("attention_mask", Tensors.int64(mask, mask.length)).build();
      if (i == 2) { // one of them as JSON, as a Python producer would send it
        var headers = new RecordHeaders().add(ContentType.HEADER, "application/json".getBytes(StandardCharsets.UTF_8));
        in.pipeInput(new TestRecord<>(s.getId(), SampleJson.toJson(s).getBytes(StandardCharsets.UTF_8), headers,
            START));
      } else {
        in.pipeInput(s.getId(), s.toByteArray());
      }
    }
    driver.advanceWallClockTime(Duration.ofSeconds(2)); // the batch's wait is over
    List<TestRecord<String, SoftTarget>> got = out.readRecordsToList();
    assertThat(got).extracting(TestRecord::key).containsExactly("t-0", "t-1", "t-2");
    try (OrtSession direct = env.createSession(Fixtures.path("token-bag.onnx").toString())) {
      for (int i = 0; i < ids.length; i++) {
        SoftTarget target = got.get(i).getValue();
        assertThat(target.getTensorsMap()).containsOnlyKeys("input_ids", "attention_mask");
        assertThat(Tensors.toLongs(target.getTensorsMap().get("input_ids"))).containsExactly(ids[i]);
        long[] mask = Tensors.toLongs(target.getTensorsMap().get("attention_mask"));
        long[] shape = {1, ids[i].length};
        try (OnnxTensor a = OnnxTensor.createTensor(env, LongBuffer.wrap(ids[i]), shape);
            OnnxTensor b = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
            OrtSession.Result r = direct.run(Map.of("input_ids", a, "attention_mask", b))) {
          float[] z = ((float[][]) r.get(0).getValue())[0];
          assertClose(target.getProbsList(), Softening.soften(z, T));
        }
      }
    }
  }

  @Test
  void aTokenSampleWithoutItsMaskGoesToTheDeadLettersWithTheReason() throws Exception {
    start(TeacherImport.of("tokens", Fixtures.path("token-bag.onnx")));
    Sample s = Sample.newBuilder().setId("no-mask")
        .putTensors("input_ids", Tensors.int64(new long[] {1, 2, 3}, 3)).build();
    in.pipeInput(s.getId(), s.toByteArray());
    Sample floats = Sample.newBuilder().setId("float-ids")
        .putTensors("input_ids", Tensors.float32(new float[] {1, 2}, 2))
        .putTensors("attention_mask", Tensors.int64(new long[] {1, 1}, 2)).build();
    in.pipeInput(floats.getId(), floats.toByteArray());
    driver.advanceWallClockTime(Duration.ofSeconds(2));

    assertThat(out.isEmpty()).isTrue();
    var letters = dlq.readRecordsToList();
    assertThat(letters).hasSize(2);
    assertThat(header(letters.get(0), "distill.dlq.reason")).isEqualTo("wrong-shape");
    assertThat(header(letters.get(0), "distill.dlq.message")).isEqualTo("teacher tokens v1: input 'attention_mask' "
        + "needs the sample tensor 'attention_mask'; the sample has [input_ids]");
    assertThat(header(letters.get(1), "distill.dlq.message"))
        .contains("input 'input_ids' wants int64 [N, ").contains("a float32 tensor cannot feed a int64 input");
  }

  private static String header(TestRecord<byte[], byte[]> r, String key) {
    return new String(r.headers().lastHeader(key).value(), StandardCharsets.UTF_8);
  }

  private static void assertClose(List<Float> actual, double[] expected) {
    assertThat(actual).hasSize(expected.length);
    for (int c = 0; c < expected.length; c++) {
      assertThat((double) actual.get(c)).as("class %d", c).isCloseTo(expected[c], within(1e-5));
    }
  }
}
