package dev.distill.trainer.service;

import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.model.Architecture;
import dev.distill.contract.proto.SoftTarget;
import dev.distill.contract.wire.Tensors;
import dev.distill.kafka.EmbeddedKafka;
import dev.distill.kafka.FreePorts;
import dev.distill.platform.config.ConfigReader;
import dev.distill.platform.topics.TopicAdmin;
import dev.distill.trainer.Mnist;
import dev.distill.trainer.engine.EngineSettings;
import dev.distill.trainer.engine.TrainingEngine;
import dev.distill.trainer.stream.Batch;
import dev.distill.trainer.stream.StudentLearner;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Throughput and memory of the trainer, not a test: it asserts nothing and is not run by {@code
 * mvn verify} (the class name matches neither {@code *Test} nor {@code *IT}). One run prints, and
 * writes to {@code student-trainer/target/trainer-benchmark.txt}:
 *
 * <ul>
 *   <li>a raw DJL training loop's fresh samples/s on in-memory batches: the trainer's own
 *       {@link StudentLearner} step, the same model, batch (with the same share of replayed rows)
 *       and thread count, no Kafka, no decoding, no evaluation;
 *   <li>the trainer's fresh samples/s from the soft-targets topic, as a real process ({@link
 *       TrainerMain} in a child JVM, defaults except the model and thread count), measured from
 *       its own {@code distill_trainer_samples_total} over the whole run after a warm-up, and the
 *       ratio of the two (goal: at least 0.8);
 *   <li>that process's resident memory (VmRSS) after the warm-up and after all samples (default
 *       1,000,000; goal: flat within 10%), with a fixed pre-touched heap ({@code -Dbench.jvm} to
 *       change it) so that growth means something the trainer keeps, not the heap stretching.
 * </ul>
 *
 * <p>The soft targets are MNIST training images (cycled) with smoothed one-hot labels as
 * probabilities: what the teacher says does not change the cost of a step. On a 2-core machine
 * every other process shows in the figures: the report gives the load average at start and end,
 * and measures the raw loop again at the end.
 *
 * <pre>
 * mvn -B -q -pl student-trainer -am test -Dtest=TrainerBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
 *     [-Dbench.samples=1000000] [-Dbench.arch=mlp:784-128-10] [-Dbench.threads=2]
 * cat student-trainer/target/trainer-benchmark.txt
 * </pre>
 */
@Tag("benchmark")
class TrainerBenchmark {
  static final long SAMPLES = Long.getLong("bench.samples", 1_000_000);
  static final String ARCH = System.getProperty("bench.arch", "mlp:784-128-10");
  static final int THREADS = Integer.getInteger("bench.threads", 2);
  static final long WARM_UP = 20_000;
  static final int RAW_SAMPLES = 60_000;
  /**
   * A fixed, pre-touched heap, as a service with a memory limit runs: the heap is resident from
   * the start, so what grows afterwards is what the trainer keeps (or leaks), not the JVM
   * stretching into its -Xmx.
   */
  static final List<String> JVM_OPTIONS = List.of(System.getProperty("bench.jvm",
      "-Xms512m -Xmx512m -XX:+AlwaysPreTouch").split(" "));

  @TempDir Path dir;
  final StringBuilder report = new StringBuilder();

  @Test
  void measure() throws Exception {
    say("trainer benchmark: %s, %d threads, %,d samples; %d cores, load average %.1f at start", ARCH, THREADS,
        SAMPLES, Runtime.getRuntime().availableProcessors(), loadAverage());
    int port = FreePorts.pick();
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dir.resolve("kafka")).port(0).controllerPort(0)
        .build().start()) {
      Map<String, String> env = Map.of(
          "DISTILL_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
          "DISTILL_HTTP_PORT", Integer.toString(port),
          "DISTILL_TRAINER_ARCHITECTURE", ARCH,
          "DISTILL_TRAINER_THREADS", Integer.toString(THREADS));
      TrainerSettings settings = TrainerSettings.read(ConfigReader.from(env));

      double raw = rawSamplesPerSecond(settings);
      say("raw DJL loop: %,.0f fresh samples/s (batch %d fresh + %d replayed rows)", raw, settings.batchSize(),
          replayedRows(settings));

      long produceStart = System.nanoTime();
      produce(settings);
      say("produced %,d soft targets in %.0f s", SAMPLES, (System.nanoTime() - produceStart) / 1e9);

      Process trainer = startTrainer(env);
      try {
        Sample warm = awaitSamples(trainer, port, WARM_UP);
        long rssStart = rssKb(trainer);
        // resident memory along the way: a leak grows steadily, a warm-up (JIT, allocator pools) levels off
        StringBuilder along = new StringBuilder();
        for (int quarter = 1; quarter < 4; quarter++) {
          Sample q = awaitSamples(trainer, port, SAMPLES * quarter / 4);
          along.append(String.format(Locale.ROOT, " %,d kB at %,d;", rssKb(trainer), q.samples));
        }
        // the last full batch: a partial tail is trained only at the next time-triggered version
        // the validation slice's ids are held out, never trained
        Sample end = awaitSamples(trainer, port, HeldOutIds.trainedCount(settings, "b-", SAMPLES) - settings.batchSize());
        long rssEnd = rssKb(trainer);
        double fromTopic = (end.samples - warm.samples) / ((end.nanos - warm.nanos) / 1e9);
        double rawAgain = rawSamplesPerSecond(settings);
        say("trainer from the topic: %,.0f fresh samples/s between %,d and %,d samples", fromTopic, warm.samples,
            end.samples);
        say("raw DJL loop again (the trainer idle): %,.0f fresh samples/s", rawAgain);
        say("ratio: %.2fx the faster raw figure, %.2fx the slower (goal: at least 0.8)",
            fromTopic / Math.max(raw, rawAgain), fromTopic / Math.min(raw, rawAgain));
        say("trainer resident memory (JVM %s): %,d kB after %,d samples (heap committed %,d kB), %,d kB after %,d "
            + "(heap committed %,d kB): %+.1f%% (goal: within 10%%)", String.join(" ", JVM_OPTIONS), rssStart,
            warm.samples, warm.heapCommittedKb, rssEnd, end.samples, end.heapCommittedKb,
            100.0 * (rssEnd - rssStart) / rssStart);
        say("resident memory along the way:%s", along);
      } finally {
        trainer.destroy();
        trainer.waitFor(60, TimeUnit.SECONDS);
      }
      say("load average %.1f at end", loadAverage());
    }
    Path out = Path.of("target", "trainer-benchmark.txt");
    Files.writeString(out, report);
    System.out.println("report: " + out.toAbsolutePath());
  }

  private static int replayedRows(TrainerSettings s) {
    return (int) Math.round(s.batchSize() * s.replayRatio());
  }

  /** The trainer's step on batches built in memory once: no Kafka, no decoding, no evaluation. */
  private static double rawSamplesPerSecond(TrainerSettings s) {
    TrainingEngine engine = TrainingEngine.start(new EngineSettings(EngineSettings.defaults().cacheDir(), THREADS, 1));
    LabelledImages train = Mnist.train();
    int d = train.pixelsPerImage();
    int rows = s.batchSize() + replayedRows(s);
    Random random = new Random(1);
    List<Batch> batches = new ArrayList<>();
    for (int b = 0; b < 64; b++) {
      float[] x = new float[rows * d];
      float[] q = new float[rows * 10];
      float[] t = new float[rows];
      int[] y = new int[rows];
      for (int i = 0; i < rows; i++) {
        int idx = random.nextInt(train.count());
        int off = train.imageOffset(idx);
        for (int j = 0; j < d; j++) {
          x[i * d + j] = train.pixels()[off + j] & 0xff;
        }
        y[i] = train.label(idx);
        System.arraycopy(smoothed(y[i]), 0, q, i * 10, 10);
        t[i] = 20;
      }
      batches.add(new Batch(rows, s.batchSize(), x, q, t, y));
    }
    try (StudentLearner learner = new StudentLearner(engine, Architecture.parse(ARCH), s.optimizer(), s.learningRate(),
        s.momentum(), s.alpha(), s.seed())) {
      for (int i = 0; i < 100; i++) {
        learner.step(batches.get(i % batches.size()));
      }
      int steps = RAW_SAMPLES / s.batchSize();
      long start = System.nanoTime();
      for (int i = 0; i < steps; i++) {
        learner.step(batches.get(i % batches.size()));
      }
      return steps * (double) s.batchSize() / ((System.nanoTime() - start) / 1e9);
    }
  }

  private static float[] smoothed(int label) {
    float[] p = new float[10];
    java.util.Arrays.fill(p, 0.01f);
    p[label] = 0.91f;
    return p;
  }

  private static void produce(TrainerSettings s) throws Exception {
    try (Admin admin = Admin.create(s.kafka().clientProperties())) {
      TopicAdmin.ensure(admin, s.kafka().topics(), (short) 1);
    }
    LabelledImages train = Mnist.train();
    Map<String, Object> p = new HashMap<>(s.kafka().clientProperties());
    p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    String topic = s.kafka().topics().softTargets().name();
    // every record must arrive: the trainer is timed until it has trained them all
    AtomicReference<Exception> failure = new AtomicReference<>();
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(),
        new ByteArraySerializer())) {
      for (long i = 0; i < SAMPLES; i++) {
        int idx = (int) (i % train.count());
        SoftTarget.Builder b = SoftTarget.newBuilder().setSampleId("b-" + i)
            .setFeatures(Tensors.uint8(train.image(idx), 28, 28)).setNumClasses(10).setTemperature(20)
            .setLabel(train.label(idx)).setTeacherId("benchmark").setTeacherVersion("1").setEnsembleSize(1);
        for (float v : smoothed(train.label(idx))) {
          b.addProbs(v);
        }
        producer.send(new ProducerRecord<>(topic, "b-" + i, b.build().toByteArray()), (md, e) -> {
          if (e != null) {
            failure.compareAndSet(null, e);
          }
        });
      }
    }
    if (failure.get() != null) {
      throw new IllegalStateException("the benchmark's producer lost records", failure.get());
    }
  }

  private Process startTrainer(Map<String, String> env) throws IOException {
    return TrainerProcess.start(env, JVM_OPTIONS, dir.resolve("tmp"), Path.of("target", "trainer-benchmark.log"));
  }

  private record Sample(long samples, long nanos, long heapCommittedKb) {}

  /** Polls the child's own samples counter until it reaches {@code target}; returns the first reading at or past it. */
  private static Sample awaitSamples(Process trainer, int port, long target) throws Exception {
    while (true) {
      if (!trainer.isAlive()) {
        throw new IllegalStateException("the trainer exited with " + trainer.exitValue()
            + "; see target/trainer-benchmark.log");
      }
      try {
        Map<String, Double> metrics = TrainerProcess.scrape(port);
        long n = (long) sum(metrics, "distill_trainer_samples_total{");
        if (n >= target) {
          return new Sample(n, System.nanoTime(), (long) sum(metrics, "jvm_memory_committed_bytes{area=\"heap\"") / 1024);
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
  }

  private static double sum(Map<String, Double> metrics, String prefix) {
    return metrics.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).mapToDouble(Map.Entry::getValue).sum();
  }

  private static long rssKb(Process p) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmRSS for pid " + p.pid());
  }

  private static double loadAverage() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  private void say(String format, Object... args) {
    String line = String.format(Locale.ROOT, format, args);
    System.out.println(line);
    report.append(line).append('\n');
  }
}
