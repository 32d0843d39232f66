package dev.distill.scorer;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.distill.contract.model.ModelInterface;
import dev.distill.contract.model.TeacherStore;
import dev.distill.kafka.EmbeddedKafka;
import dev.distill.platform.http.Metrics;
import dev.distill.platform.topics.TopicAdmin;
import dev.distill.platform.topics.Topics;
import dev.distill.scorer.testing.CommittedRecords;
import dev.distill.scorer.testing.MnistStream;
import dev.distill.scorer.testing.TestModels;
import dev.distill.scorer.topology.ScoringMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Throughput of the scorer, not a test: it asserts nothing and is not run by {@code mvn verify}
 * (the class name matches neither {@code *Test} nor {@code *IT}). One run prints, and writes to
 * {@code teacher-scorer/target/scorer-benchmark.txt}:
 *
 * <ul>
 *   <li>raw ONNX Runtime samples/s of a 784-1200-1200-10 MLP (random weights) at batch 1, 32 and
 *       256, with the scorer's session settings (intra-op 2, inter-op 1) but ONNX Runtime's
 *       default spin-waiting, and at 256 not spinning (the scorer's default);
 *   <li>the scorer's end-to-end records/s with that teacher through an embedded broker in this
 *       JVM, exactly-once, max batch 256, as a ratio to the raw figure at batch 256, and where the
 *       CPU time went; once with the defaults, once with {@code DISTILL_ORT_SPINNING=true}, and
 *       once with a 784-10 teacher, whose inference is next to free: the pipeline's own ceiling.
 * </ul>
 *
 * <p>On a 2-core machine every other process shows in the figures: the report starts and ends
 * with the load average, and measures raw batch 256 again at the end.
 *
 * <pre>
 * mvn -B -q -pl teacher-scorer -am test -Dtest=ScorerBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * cat teacher-scorer/target/scorer-benchmark.txt
 * </pre>
 */
@Tag("benchmark")
class ScorerBenchmark {
  static final int SAMPLES = 200_000;
  static final int PARTITIONS = 4;
  static final Duration WARM_UP = Duration.ofSeconds(2);
  static final Duration MEASURE = Duration.ofSeconds(4);

  @TempDir Path dir;
  final StringBuilder report = new StringBuilder();

  @Test
  void measure() throws Exception {
    byte[] teacher = TestModels.mlp(7, 784, 1200, 1200, 10);
    say("scorer benchmark: 784-1200-1200-10 MLP teacher (random weights), ONNX Runtime %s, CPU, intra-op 2, inter-op 1; "
        + "%d cores, load average %.1f at start", OrtEnvironment.getEnvironment().getVersion(),
        Runtime.getRuntime().availableProcessors(), ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    Map<Integer, Double> raw = new LinkedHashMap<>();
    for (int batch : List.of(1, 32, 256)) {
      raw.put(batch, rawSamplesPerSecond(teacher, batch, true));
      say("raw ONNX Runtime, batch %3d: %,9.0f samples/s", batch, raw.get(batch));
    }
    double quiet = rawSamplesPerSecond(teacher, 256, false);
    say("raw ONNX Runtime, batch 256, intra-op threads not spinning: %,9.0f samples/s", quiet);
    // the ratio is taken to the better of the two raw figures
    double rawAt256 = Math.max(raw.get(256), quiet);

    TeacherStore store = new TeacherStore(dir.resolve("teachers"));
    TestModels.publish(store, "mnist", teacher);
    // next to nothing to infer: what the pipeline around the teacher costs on its own
    TestModels.publish(store, "tiny", TestModels.mlp(8, 784, 10));
    try (EmbeddedKafka broker = EmbeddedKafka.builder().dataDir(dir.resolve("kafka")).port(0).controllerPort(0).build().start()) {
      String bootstrap = broker.bootstrapServers();
      Topics topics = Topics.withPrefix("bench", PARTITIONS);
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap));
          MnistStream stream = new MnistStream(bootstrap, topics.samples().name(), "bench")) {
        TopicAdmin.ensure(admin, topics, (short) 1);
        long t = System.nanoTime();
        stream.send(0, SAMPLES, 0);
        say("end to end: %,d MNIST samples produced beforehand in %.1f s; the scorer then runs in this JVM next to the "
            + "embedded broker, exactly_once_v2, %d partitions, 1 stream thread, max batch 256, max wait 20 ms",
            SAMPLES, (System.nanoTime() - t) / 1e9, PARTITIONS);
      }
      // each run is a new application id: it reads the same samples from the beginning
      endToEnd(bootstrap, store, "the defaults (intra-op threads not spinning)", "bench-a", Map.of(), rawAt256);
      endToEnd(bootstrap, store, "intra-op threads spinning (DISTILL_ORT_SPINNING=true)", "bench-b",
          Map.of(ScorerSettings.ORT_SPINNING, "true"), rawAt256);
      endToEnd(bootstrap, store, "a 784-10 teacher instead (the pipeline alone: Streams, Kafka, EOS)", "bench-c",
          Map.of(ScorerSettings.TEACHER_ID, "tiny"), rawAt256);
    }
    say("raw ONNX Runtime, batch 256, again at the end: %,9.0f samples/s; load average %.1f",
        rawSamplesPerSecond(teacher, 256, true), ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    Path out = Path.of("target", "scorer-benchmark.txt");
    Files.writeString(out, report);
    System.out.println(report);
  }

  private void say(String format, Object... args) {
    report.append(String.format(Locale.ROOT, format, args)).append('\n');
  }

  private static double rawSamplesPerSecond(byte[] model, int batch, boolean spinning) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    FloatBuffer input = ByteBuffer.allocateDirect(batch * 784 * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
    Random rnd = new Random(1);
    for (int i = 0; i < batch * 784; i++) {
      input.put(i, rnd.nextInt(256));
    }
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
      o.setIntraOpNumThreads(2);
      o.setInterOpNumThreads(1);
      o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
      o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      o.addConfigEntry("session.intra_op.allow_spinning", spinning ? "1" : "0");
      try (OrtSession session = env.createSession(model, o);
          OnnxTensor x = OnnxTensor.createTensor(env, input, new long[] {batch, 784})) {
        Map<String, OnnxTensor> feed = Map.of(ModelInterface.INPUT, x);
        Set<String> outputs = Set.of(ModelInterface.OUTPUT);
        long samples = 0;
        long warmEnd = System.nanoTime() + WARM_UP.toNanos();
        long start = 0;
        long end = warmEnd + MEASURE.toNanos();
        while (true) {
          try (OrtSession.Result r = session.run(feed, outputs)) {
            ((OnnxTensor) r.get(0)).getFloatBuffer(); // read the logits out, as the scorer does
          }
          long now = System.nanoTime();
          if (now >= end) {
            return samples * 1e9 / (now - start);
          }
          if (now >= warmEnd) {
            if (start == 0) {
              start = now;
            } else {
              samples += batch;
            }
          }
        }
      }
    }
  }

  private void endToEnd(String bootstrap, TeacherStore store, String label, String applicationId,
      Map<String, String> overrides, double rawAt256) throws Exception {
    Map<String, String> env = new HashMap<>(Map.of(
        "DISTILL_BOOTSTRAP_SERVERS", bootstrap,
        "DISTILL_TOPIC_PREFIX", "bench",
        "DISTILL_PARTITIONS", Integer.toString(PARTITIONS),
        "DISTILL_HTTP_PORT", "0",
        ScorerSettings.TEACHER_STORE, store.root().toString(),
        ScorerSettings.STATE_DIR, dir.resolve("state-" + applicationId).toString(),
        ScorerSettings.APPLICATION_ID, applicationId));
    env.putAll(overrides);
    PrometheusMeterRegistry registry = Metrics.newRegistry("scorer");
    try (ScorerService scorer = ScorerService.start(ScorerSettings.from(env), Clock.systemUTC(), registry)) {
      ScoringMetrics m = scorer.metrics();
      // measure from 10% to 100% of the stream: start-up, group join and JIT warm-up stay out
      CommittedRecords.await("the first 10%", Duration.ofMinutes(5), () -> m.softTargetsCount() >= SAMPLES / 10.0);
      Snapshot from = Snapshot.take(m);
      CommittedRecords.await("all soft targets", Duration.ofMinutes(5), () -> m.softTargetsCount() >= SAMPLES);
      Snapshot to = Snapshot.take(m);
      double seconds = (to.nanos - from.nanos) / 1e9;
      double rate = (to.scored - from.scored) / seconds;
      say("end to end, %s:", label);
      say("  %,9.0f records/s = %.2f x raw ONNX Runtime at batch 256 (goal >= 0.70); mean batch %.0f",
          rate, rate / rawAt256, registry.get(ScoringMetrics.BATCH_SIZE).summary().mean());
      say("  teacher inference busy %.0f%% of the wall time (%.1f of %.1f s)",
          100 * (to.inference - from.inference) / 1e9 / seconds, (to.inference - from.inference) / 1e9, seconds);
      say("  CPU seconds while measuring (%.1f s wall, 2 cores = %.1f CPU s available):", seconds, 2 * seconds);
      to.cpuMinus(from).forEach((group, cpu) -> say("    %-58s %6.1f", group, cpu));
    }
  }

  /** Counters and CPU time at one moment. */
  private record Snapshot(long nanos, double scored, double inference, Map<String, Long> threadCpu, long processCpu) {
    static Snapshot take(ScoringMetrics m) {
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      Map<String, Long> cpu = new LinkedHashMap<>();
      for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
        if (info != null) {
          long ns = threads.getThreadCpuTime(info.getThreadId());
          if (ns > 0) {
            cpu.merge(group(info.getThreadName()), ns, Long::sum);
          }
        }
      }
      long process = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
      return new Snapshot(System.nanoTime(), m.softTargetsCount(), m.inferenceTime().toNanos(), cpu, process);
    }

    static String group(String thread) {
      if (thread.contains("StreamThread")) {
        return "stream thread (Streams, decode/encode, ORT calling thread)";
      }
      if (thread.startsWith("kafka-producer-network-thread") || thread.contains("consumer")) {
        return "client network threads (producer, consumer)";
      }
      if (thread.startsWith("data-plane") || thread.startsWith("kafka-") || thread.contains("broker")
          || thread.contains("quorum") || thread.contains("raft") || thread.contains("Replica")
          || thread.contains("transaction") || thread.contains("group-coordinator") || thread.contains("controller")) {
        return "broker threads (requests, log, coordinators)";
      }
      return "other Java threads";
    }

    Map<String, Double> cpuMinus(Snapshot earlier) {
      Map<String, Double> out = new LinkedHashMap<>();
      long java = 0;
      for (var e : threadCpu.entrySet()) {
        long d = e.getValue() - earlier.threadCpu.getOrDefault(e.getKey(), 0L);
        out.put(e.getKey(), d / 1e9);
        java += d;
      }
      long total = processCpu - earlier.processCpu;
      out.put("native threads (ORT intra-op pool, GC, JIT)", (total - java) / 1e9);
      out.put("whole process", total / 1e9);
      return out;
    }
  }
}
