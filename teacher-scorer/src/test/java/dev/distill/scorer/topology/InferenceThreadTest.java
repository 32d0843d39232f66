package dev.distill.scorer.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.contract.model.TeacherManifest;
import dev.distill.contract.model.TeacherStore;
import dev.distill.contract.proto.Sample;
import dev.distill.contract.proto.SoftTarget;
import dev.distill.platform.topics.Topics;
import dev.distill.scorer.onnx.ExecutionProvider;
import dev.distill.scorer.onnx.OnnxTeacherLoader;
import dev.distill.scorer.teacher.LiveTeacher;
import dev.distill.scorer.teacher.TeacherException;
import dev.distill.scorer.teacher.TeacherPoller;
import dev.distill.scorer.teacher.Teacher;
import dev.distill.scorer.teacher.TeacherBatch;
import dev.distill.scorer.teacher.TeacherProvider;
import dev.distill.scorer.testing.TestModels;
import dev.distill.scorer.testing.TestSamples;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batches scored on an inference thread of their own, as the service runs them: the outputs still
 * leave from the stream thread, in input order, and the records stay in the changelogged buffer
 * (so in every commit) until their outputs are forwarded.
 */
class InferenceThreadTest {
  static final Instant START = Instant.parse("2025-06-01T12:00:00Z");

  @TempDir Path dir;
  final Topics topics = Topics.withPrefix("t", 1);
  final ExecutorService inference = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-inference"));
  final CountDownLatch gate = new CountDownLatch(1);
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  LiveTeacher live;
  Driven d;

  /** The inference thread, held at the gate until the test opens it. */
  void start(TeacherProvider teachers, int maxBatch) {
    ScoringOptions options = new ScoringOptions(20, 0, maxBatch, Duration.ofHours(1), 4096);
    d = Driven.start(ScorerTopology.build(topics, options, teachers, new ScoringMetrics(registry),
        Clock.systemUTC(), r -> inference.execute(() -> {
          try {
            gate.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          r.run();
        })), topics, "inference-test", dir.resolve("state"), START);
  }

  LiveTeacher teacher() {
    TeacherStore store = new TeacherStore(dir.resolve("teachers"));
    TestModels.publish(store, "mnist", TestModels.mlp(1, 784, 16, 10));
    live = new LiveTeacher(TeacherPoller.loadLatest(store, "mnist", new OnnxTeacherLoader(1, ExecutionProvider.CPU)));
    return live;
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (d != null) {
      d.driver().close();
    }
    inference.shutdownNow();
    inference.awaitTermination(10, TimeUnit.SECONDS);
    if (live != null) {
      live.close();
    }
  }

  void send(Sample s) {
    d.in().pipeInput(s.getId(), s.toByteArray());
  }

  static List<Sample> images(int n) {
    return IntStream.range(0, n).mapToObj(i -> TestSamples.image("s-" + i, i, i % 10)).toList();
  }

  @Test
  void aBatchInFlightStaysBufferedAndIsForwardedInInputOrderOnTheStreamThreadOnceScored() throws Exception {
    start(teacher(), 3);
    List<Sample> samples = images(4);
    samples.forEach(this::send); // the first three make a batch, handed to the (held) inference thread

    KeyValueStore<Long, byte[]> buffer = d.driver().getKeyValueStore(ScorerTopology.BUFFER_STORE);
    assertThat(d.out().isEmpty()).isTrue();
    assertThat(ids(buffer)).as("the driver commits after every record: in flight is still buffered")
        .containsExactlyInAnyOrder("s-0", "s-1", "s-2", "s-3");

    gate.countDown();
    awaitBatches(1);
    d.driver().advanceWallClockTime(Duration.ofMillis(10)); // the punctuator forwards what is scored

    assertThat(d.out().readValuesToList()).extracting(SoftTarget::getSampleId).containsExactly("s-0", "s-1", "s-2");
    assertThat(ids(buffer)).containsExactly("s-3");
    assertThat(registry.get(ScoringMetrics.BUFFERED).gauge().value()).isEqualTo(1);
  }

  @Test
  void aTeacherFailureOnTheInferenceThreadStopsTheStreamThreadAndKeepsTheBatchBuffered() throws Exception {
    AtomicReference<Thread> failedOn = new AtomicReference<>();
    Teacher real = teacher().current();
    Teacher failing = new Teacher() {
      @Override
      public String id() {
        return real.id();
      }

      @Override
      public int version() {
        return real.version();
      }

      @Override
      public int ensembleSize() {
        return 1;
      }

      @Override
      public TeacherManifest manifest() {
        return real.manifest();
      }

      @Override
      public float[][] logits(TeacherBatch batch) {
        failedOn.set(Thread.currentThread());
        throw new TeacherException("the runtime is gone", new IllegalStateException("test"));
      }

      @Override
      public void close() {}
    };
    LiveTeacher failingLive = new LiveTeacher(failing);
    start(failingLive, 2);
    images(2).forEach(this::send);
    gate.countDown();
    inference.submit(() -> { }).get(10, TimeUnit.SECONDS); // the batch's run is done: it ran first

    assertThatThrownBy(() -> d.driver().advanceWallClockTime(Duration.ofMillis(10)))
        .hasStackTraceContaining("the runtime is gone");
    assertThat(failedOn.get().getName()).isEqualTo("test-inference");
    assertThat(d.out().isEmpty()).isTrue();
    assertThat(d.dlq().isEmpty()).as("a runtime failure is not the samples' fault").isTrue();
    assertThat(ids(d.driver().getKeyValueStore(ScorerTopology.BUFFER_STORE))).containsExactlyInAnyOrder("s-0", "s-1");
    failingLive.close();
  }

  private void awaitBatches(long n) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (registry.get(ScoringMetrics.BATCH_SIZE).summary().count() < n) {
      assertThat(System.nanoTime()).as("batches scored within 30 s").isLessThan(deadline);
      Thread.sleep(5);
    }
    // the count is recorded before the run completes its batch: wait for the run to finish
    inference.submit(() -> { }).get(10, TimeUnit.SECONDS);
  }

  private static List<String> ids(KeyValueStore<Long, byte[]> buffer) {
    List<String> ids = new ArrayList<>();
    try (var it = buffer.all()) {
      it.forEachRemaining(kv -> ids.add(new String(RawRecord.fromBytes(kv.value).key(), StandardCharsets.UTF_8)));
    }
    return ids;
  }
}
