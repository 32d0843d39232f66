package dev.distill.publisher.bench;

import dev.distill.client.http.EventStream;
import dev.distill.client.http.PublisherClient;
import dev.distill.client.sim.Students;
import dev.distill.contract.ota.DeltaCodec;
import dev.distill.contract.proto.ModelVersion;
import dev.distill.kafka.EmbeddedKafka;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.platform.topics.Topics;
import dev.distill.publisher.PublisherConfig;
import dev.distill.publisher.PublisherService;
import dev.distill.publisher.TestPublishers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Not a test: a measurement, excluded from the normal build (tag {@code benchmark}). N devices
 * hold event streams to one publisher on loopback; each round publishes a version on
 * distill.student-models and measures, per device, the time from the producer's send to the
 * assignment event. Then the delta size of two nearby versions of a 784-800-800-10 student.
 *
 * <pre>
 * mvn -B -pl edge-publisher test -Dgroups=benchmark -DexcludedGroups= -Dtest=PushBenchmark -Dbench.devices=5000
 * </pre>
 *
 * Bounded: a fixed number of rounds, each waiting at most 60 s. Loopback only.
 */
@Tag("benchmark")
class PushBenchmark {
  static final String MODEL = "bench-student";

  @Test
  void pushLatencyAndDeltaSize() throws Exception {
    int devices = Integer.getInteger("bench.devices", 2000);
    int rounds = Integer.getInteger("bench.rounds", 3);
    Path dir = Files.createTempDirectory("push-bench");
    try (EmbeddedKafka broker = EmbeddedKafka.builder().dataDir(dir.resolve("kafka")).port(0).controllerPort(0).build().start()) {
      PublisherConfig config = TestPublishers.config(dir, Map.of(KafkaSettings.BOOTSTRAP, broker.bootstrapServers(),
          KafkaSettings.PARTITIONS, "1", PublisherConfig.WAVES, "100%", PublisherConfig.MIN_WAVE_DURATION, "0s",
          PublisherConfig.SSE_KEEPALIVE, "30s"));
      try (PublisherService publisher = PublisherService.start(config, Clock.systemUTC())) {
        while (!publisher.ready()) {
          Thread.sleep(100);
        }
        ExecutorService http = Executors.newFixedThreadPool(2);
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        PublisherClient client = new PublisherClient(PublisherClient.newHttpClient(http), publisher.apiUri());
        long t = System.nanoTime();
        ExecutorService registrars = Executors.newFixedThreadPool(8);
        List<Future<String>> tokens = new ArrayList<>();
        for (int i = 0; i < devices; i++) {
          String id = "d" + i;
          tokens.add(registrars.submit(() -> client.register(TestPublishers.ADMIN, id, MODEL).token()));
        }
        List<String> tokenList = new ArrayList<>();
        for (Future<String> f : tokens) {
          tokenList.add(f.get());
        }
        registrars.shutdown();
        System.out.printf("registered %d devices in %.1f s%n", devices, (System.nanoTime() - t) / 1e9);

        AtomicLongArray received = new AtomicLongArray(devices);
        long[] expect = {0};
        CountDownLatch[] latch = {new CountDownLatch(devices)};
        List<EventStream> streams = new ArrayList<>();
        for (int i = 0; i < devices; i++) {
          int d = i;
          streams.add(new EventStream(client, "d" + i, tokenList.get(i), null, scheduler, a -> {
            if (a.version() == expect[0] && received.compareAndSet(d, 0, System.nanoTime())) {
              latch[0].countDown();
            }
          }).open());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        int connected = 0;
        while (System.nanoTime() < deadline) {
          connected = (int) streams.stream().filter(EventStream::connected).count();
          if (connected == devices) {
            break;
          }
          Thread.sleep(200);
        }
        System.out.printf("connected event streams: %d of %d%n", connected, devices);

        Map<String, Object> p = new HashMap<>(config.kafka().clientProperties());
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MODEL_MAX_MESSAGE_BYTES);
        Topics topics = config.kafka().topics();
        try (KafkaProducer<String, ModelVersion> producer = new KafkaProducer<>(p,
            topics.studentModels().keySerde().serializer(), topics.studentModels().valueSerde().serializer())) {
          Histogram all = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
          for (int r = 1; r <= rounds; r++) {
            for (int i = 0; i < devices; i++) {
              received.set(i, 0);
            }
            expect[0] = r;
            latch[0] = new CountDownLatch(connected);
            ModelVersion mv = Students.version(MODEL, r, Students.random(784, 128, 10, r, r));
            long t0 = System.nanoTime();
            producer.send(new ProducerRecord<>(topics.studentModels().name(), MODEL, mv));
            boolean all_ = latch[0].await(60, TimeUnit.SECONDS);
            Histogram h = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
            int got = 0;
            for (int i = 0; i < devices; i++) {
              long at = received.get(i);
              if (at != 0) {
                h.recordValue(Math.max(0, (at - t0) / 1000));
                got++;
              }
            }
            all.add(h);
            System.out.printf("round %d: %d/%d devices notified%s; publish->notification p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                r, got, devices, all_ ? "" : " (timed out)", h.getValueAtPercentile(50) / 1e3,
                h.getValueAtPercentile(99) / 1e3, h.getMaxValue() / 1e3);
          }
          System.out.printf("ALL ROUNDS: devices=%d p50 %.1f ms, p99 %.1f ms, max %.1f ms%n", devices,
              all.getValueAtPercentile(50) / 1e3, all.getValueAtPercentile(99) / 1e3, all.getMaxValue() / 1e3);
        }
        streams.forEach(EventStream::close);
        scheduler.shutdownNow();
        http.shutdownNow();
      }
    }

    // delta of two consecutive versions of a 784-800-800-10 student after a few SGD-like steps
    Random rnd = new Random(42);
    int[] sizes = {784, 800, 800, 10};
    List<float[]> w = new ArrayList<>();
    for (int l = 0; l < 3; l++) {
      w.add(Students.gaussian(rnd, sizes[l] * sizes[l + 1], Math.sqrt(2.0 / sizes[l])));
      w.add(new float[sizes[l + 1]]);
    }
    byte[] v1 = mlp3(w, 1);
    for (int step = 0; step < 5; step++) { // w -= lr * g, lr 0.01, gradient entries ~ N(0, 0.01)
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
