package dev.distill.publisher.bench;

import dev.distill.client.sim.Students;
import dev.distill.contract.ota.DeltaCodec;
import dev.distill.contract.proto.ModelVersion;
import dev.distill.kafka.EmbeddedKafka;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.platform.topics.Topics;
import dev.distill.publisher.PublisherConfig;
import dev.distill.publisher.PublisherService;
import dev.distill.publisher.TestPublishers;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Not a test: a measurement, excluded from the normal build (tag {@code benchmark}).
 *
 * <p>Push: one publisher (on a real embedded broker) and N devices holding event streams from
 * a second JVM ({@link SseDevices}) on loopback. Each round publishes a version on
 * distill.student-models and measures, per device, the time from the producer's send to the
 * device's receipt of the assignment event (wall clock, microseconds, same machine).
 *
 * <p>Delta: the size of the delta between two versions of a 784-800-800-10 student that
 * differ by five SGD-like steps, as a fraction of the full artifact.
 *
 * <pre>
 * mvn -B -pl edge-publisher -am test -Dgroups=benchmark -DexcludedGroups=none -Dtest=PushBenchmark \
  -Dsurefire.failIfNoSpecifiedTests=false -Dbench.devices=10000
 * </pre>
 *
 * Bounded: {@code bench.rounds} rounds (default 4, the first a warm-up), each waiting at most 60 s; loopback only.
 */
@Tag("benchmark")
class PushBenchmark {
  static final String MODEL = "bench-student";

  @Test
  void pushLatencyAndDeltaSize() throws Exception {
    int devices = Integer.getInteger("bench.devices", 2000);
    int rounds = Integer.getInteger("bench.rounds", 4);
    Path dir = Files.createTempDirectory("push-bench");
    try (EmbeddedKafka broker = EmbeddedKafka.builder().dataDir(dir.resolve("kafka")).port(0).controllerPort(0).build().start()) {
      PublisherConfig config = TestPublishers.config(dir, Map.of(KafkaSettings.BOOTSTRAP, broker.bootstrapServers(),
          KafkaSettings.PARTITIONS, "1", PublisherConfig.WAVES, "100%", PublisherConfig.MIN_WAVE_DURATION, "0s",
          PublisherConfig.SSE_KEEPALIVE, "10s"));
      try (PublisherService publisher = PublisherService.start(config, Clock.systemUTC())) {
        while (!publisher.ready()) {
          Thread.sleep(100);
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx1g", "-cp", System.getProperty("java.class.path"), SseDevices.class.getName(),
            publisher.apiUri().toString(), publisher.adminUri().toString(), TestPublishers.ADMIN, MODEL, Integer.toString(devices)));
        long t = System.nanoTime();
        Process child = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            PrintWriter in = new PrintWriter(child.getOutputStream(), true, StandardCharsets.UTF_8)) {
          String ready = out.readLine();
          System.out.printf("%s of %d devices (registration and connection took %.1f s)%n", ready, devices,
              (System.nanoTime() - t) / 1e9);
          Map<String, Object> p = new HashMap<>(config.kafka().clientProperties());
          p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MODEL_MAX_MESSAGE_BYTES);
          Topics topics = config.kafka().topics();
          try (KafkaProducer<String, ModelVersion> producer = new KafkaProducer<>(p,
              topics.studentModels().keySerde().serializer(), topics.studentModels().valueSerde().serializer())) {
            for (int r = 1; r <= rounds; r++) {
              ModelVersion mv = Students.version(MODEL, r, Students.random(784, 128, 10, r, r));
              in.println("ARM " + r);
              Thread.sleep(200); // the child has armed
              long t0 = SseDevices.micros();
              producer.send(new ProducerRecord<>(topics.studentModels().name(), MODEL, mv));
              in.println("ROUND " + r + " " + t0);
              String[] res = out.readLine().split(" ");
              System.out.printf("round %d%s: %s/%d devices notified; publish->notification p50 %s ms, p99 %s ms, max %s ms%n",
                  r, r == 1 ? " (JIT warm-up)" : "", res[2], devices, res[3], res[4], res[5]);
            }
          }
          in.println("QUIT");
        } finally {
          if (!child.waitFor(30, TimeUnit.SECONDS)) {
            child.destroyForcibly();
          }
        }
      }
    }
    delta();
  }

  /** Five steps of w -= lr * g (lr 0.01, gradient entries ~ N(0, 0.01)) between two versions. */
  static void delta() {
    Random rnd = new Random(42);
    int[] sizes = {784, 800, 800, 10};
    List<float[]> w = new ArrayList<>();
    for (int l = 0; l < 3; l++) {
      w.add(Students.gaussian(rnd, sizes[l] * sizes[l + 1], Math.sqrt(2.0 / sizes[l])));
      w.add(new float[sizes[l + 1]]);
    }
    byte[] v1 = mlp3(w, 1);
    for (int step = 0; step < 5; step++) {
      for (float[] a : w) {
        for (int i = 0; i < a.length; i++) {
          a[i] -= 0.01f * (float) (rnd.nextGaussian() * 0.01);
        }
      }
    }
    byte[] v2 = mlp3(w, 2);
    byte[] delta = DeltaCodec.encode(v1, v2);
    byte[] zstdOnly = com.github.luben.zstd.Zstd.compress(v2, 6);
    System.out.printf("DELTA 784-800-800-10: full %d bytes, delta %d bytes = %.3f of full (plain zstd of the full: %.3f)%n",
        v2.length, delta.length, (double) delta.length / v2.length, (double) zstdOnly.length / v2.length);
  }

  static byte[] mlp3(List<float[]> w, long version) {
    var g = new dev.distill.contract.onnx.OnnxGraph("mlp");
    String x = g.input("pixels", -1, 784);
    String h1 = g.relu(g.dense(g.scale(x, 1f / 255), w.get(0), w.get(1), 784, 800));
    String h2 = g.relu(g.dense(h1, w.get(2), w.get(3), 800, 800));
    g.output(g.dense(h2, w.get(4), w.get(5), 800, 10), "logits", -1, 10);
    return new dev.distill.contract.onnx.OnnxModel(g).modelVersion(version).toBytes();
  }
}
