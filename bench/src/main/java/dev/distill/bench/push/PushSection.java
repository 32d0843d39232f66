package dev.distill.bench.push;

import com.google.protobuf.ByteString;
import dev.distill.bench.BenchContext;
import dev.distill.bench.Section;
import dev.distill.bench.Spread;
import dev.distill.contract.model.ModelInterface;
import dev.distill.contract.onnx.OnnxGraph;
import dev.distill.contract.onnx.OnnxModel;
import dev.distill.contract.ota.Manifest;
import dev.distill.contract.proto.ModelVersion;
import dev.distill.kafka.EmbeddedKafka;
import dev.distill.platform.config.ConfigReader;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.platform.config.ServiceSettings;
import dev.distill.platform.topics.Topics;
import dev.distill.publisher.PublisherConfig;
import dev.distill.publisher.PublisherService;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Push: one publisher on a real embedded broker, and N devices holding event streams from a
 * second JVM ({@link PushDevices}). Each round publishes a version on the student-models topic
 * and takes, per device, the time from the producer's send to the device's receipt of its
 * assignment (wall clock, one machine). A round's p50, p99 and max are over the devices; a row
 * gives the median over the measured rounds (after one warm-up round) and their range.
 */
public final class PushSection implements Section {
  private static final String MODEL = "bench-student";
  private static final String ADMIN = "bench-admin-token-0123456789abcdef";
  /** Device streams per HTTP/2 connection, as an ingress would multiplex them to the publisher. */
  private static final int STREAMS_PER_CONNECTION = 1_000;
  private static final double GOAL_MS = 2_000;
  private static final int GOAL_DEVICES = 50_000;
  /** Device counts to measure instead of the run's own, comma-separated: one count looked at alone. */
  public static final String DEVICES_PROPERTY = "distill.bench.push.devices";

  @Override
  public String name() {
    return "push";
  }

  @Override
  public void run(BenchContext ctx) throws Exception {
    int[] counts = ctx.quick() ? new int[] {1_000} : new int[] {1_000, 10_000, 50_000};
    String only = System.getProperty(DEVICES_PROPERTY);
    if (only != null) {
      counts = Arrays.stream(only.split(",")).mapToInt(c -> Integer.parseInt(c.trim())).toArray();
    }
    int rounds = Math.max(5, ctx.rounds());
    int max = counts[counts.length - 1];
    Path dir = ctx.scratch("push");
    try (EmbeddedKafka broker = EmbeddedKafka.builder().dataDir(dir.resolve("kafka")).port(0).controllerPort(0).build()
        .start()) {
      PublisherConfig config = config(dir, broker.bootstrapServers(), max);
      try (PublisherService publisher = PublisherService.start(config, Clock.systemUTC());
          KafkaProducer<String, ModelVersion> producer = producer(config)) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!publisher.ready()) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("the publisher did not catch up with its state in 60 s");
          }
          Thread.sleep(100);
        }
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx3g", "-XX:+UseParallelGC", "-cp", System.getProperty("java.class.path"), PushDevices.class.getName(),
            publisher.apiUri().toString(), publisher.adminUri().toString(), ADMIN, MODEL,
            Integer.toString(STREAMS_PER_CONNECTION), Integer.toString(max));
        Process child = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            PrintWriter in = new PrintWriter(child.getOutputStream(), true, StandardCharsets.UTF_8)) {
          long version = 0;
          for (int n : counts) {
            in.println("GROW " + n);
            String[] ready = expect(out, "READY");
            int connected = Integer.parseInt(ready[1]);
            ctx.progress("push: %,d of %,d devices connected (registration %s s, connection %s s); %,d streams on the publisher",
                connected, n, ready[2], ready[3], publisher.connectedDevices());
            double[] p50 = new double[rounds];
            double[] p99 = new double[rounds];
            double[] worst = new double[rounds];
            int fewest = Integer.MAX_VALUE;
            for (int r = -1; r < rounds; r++) {
              version++;
              in.println("ARM " + version);
              expect(out, "ARMED");
              long t0 = PushDevices.micros();
              producer.send(new ProducerRecord<>(config.kafka().topics().studentModels().name(), MODEL,
                  version(version)));
              producer.flush();
              in.println("WAIT " + version);
              String[] res = expect(out, "RESULT");
              Histogram h = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
              for (int i = 3; i < res.length; i++) {
                h.recordValue(Math.max(0, Long.parseLong(res[i]) - t0));
              }
              int notified = Integer.parseInt(res[2]);
              ctx.progress("push: %,d devices, round %d%s: %,d notified; p50 %.0f ms, p99 %.0f ms, max %.0f ms", n, r + 1,
                  r < 0 ? " (warm-up)" : "", notified, h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3,
                  h.getMaxValue() / 1e3);
              if (r < 0) {
                continue;
              }
              fewest = Math.min(fewest, notified);
              p50[r] = h.getValueAtPercentile(50) / 1e3;
              p99[r] = h.getValueAtPercentile(99) / 1e3;
              worst[r] = h.getMaxValue() / 1e3;
            }
            boolean all = fewest == n;
            String detail = String.format(Locale.ROOT,
                "publish (producer send) to assignment received, over the devices of a round; p50 %s ms, max %s ms "
                    + "(medians, min-max); %s; devices in a second JVM, %,d streams per h2c connection",
                range(p50), range(worst), all ? "every device notified every round"
                    : String.format(Locale.ROOT, "as few as %,d of %,d devices notified in a round", fewest, n),
                STREAMS_PER_CONNECTION);
            boolean goalRow = n == GOAL_DEVICES;
            ctx.report().figure(name(), String.format(Locale.ROOT, "publish-to-all p99, %,d SSE devices", n), p99, "ms",
                detail, goalRow ? "<= 2,000 ms at 50,000 devices" : null,
                goalRow ? Boolean.valueOf(all && Spread.of(p99).median() <= GOAL_MS) : null);
          }
          in.println("QUIT");
        } finally {
          if (!child.waitFor(30, TimeUnit.SECONDS)) {
            child.destroyForcibly();
          }
        }
      }
    }
    if (ctx.quick()) {
      ctx.report().note(name(), "quick run: 1,000 devices only (the full run adds 10,000 and 50,000)");
    }
    ctx.report().note(name(), "devices and publisher share this machine's cores: the device JVM's parsing and "
        + "stamping is inside every figure; the latency includes the publisher's Kafka consumer and its 20 ms "
        + "coalescing of a model's changes");
  }

  private static String range(double[] v) {
    Spread s = Spread.of(v);
    return String.format(Locale.ROOT, "%.0f (%.0f-%.0f)", s.median(), s.min(), s.max());
  }

  private static String[] expect(BufferedReader out, String what) throws IOException {
    String line = out.readLine();
    while (line != null && line.startsWith("[")) {
      line = out.readLine(); // the JVM's own log lines (a recording started with JAVA_TOOL_OPTIONS) are not the protocol's
    }
    if (line == null) {
      throw new IllegalStateException("the device process ended while the bench waited for " + what);
    }
    String[] parts = line.split(" ");
    if (!parts[0].equals(what)) {
      throw new IllegalStateException("the device process answered '" + abbreviate(line) + "' instead of " + what);
    }
    return parts;
  }

  private static String abbreviate(String s) {
    return s.length() <= 200 ? s : s.substring(0, 200) + "...";
  }

  private static PublisherConfig config(Path dir, String bootstrap, int devices) {
    Map<String, String> env = new HashMap<>();
    env.put(PublisherConfig.PORT, "0");
    env.put(PublisherConfig.ADMIN_PORT, "0");
    env.put(ServiceSettings.HTTP_PORT, "0");
    env.put(PublisherConfig.ADMIN_TOKEN, ADMIN);
    env.put(PublisherConfig.SIGNING_KEY, dir.resolve("key.pem").toString());
    env.put(PublisherConfig.ARTIFACT_DIR, dir.resolve("artifacts").toString());
    env.put(PublisherConfig.WAVES, "100%");
    env.put(PublisherConfig.MIN_WAVE_DURATION, "0s");
    env.put(PublisherConfig.SSE_MAX_STREAMS, Integer.toString(devices + 1_000));
    env.put(KafkaSettings.BOOTSTRAP, bootstrap);
    env.put(KafkaSettings.PARTITIONS, "1");
    return PublisherConfig.read(ConfigReader.from(env));
  }

  private static KafkaProducer<String, ModelVersion> producer(PublisherConfig config) {
    Map<String, Object> p = new HashMap<>(config.kafka().clientProperties());
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MODEL_MAX_MESSAGE_BYTES);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    var topic = config.kafka().topics().studentModels();
    return new KafkaProducer<>(p, topic.keySerde().serializer(), topic.valueSerde().serializer());
  }

  /** A small 784-10 linear model: the push sends its manifest, never its bytes, so its size does not matter here. */
  private static ModelVersion version(long version) throws Exception {
    Random r = new Random(version);
    float[] w = new float[784 * 10];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (r.nextGaussian() * 0.05);
    }
    OnnxGraph g = new OnnxGraph("linear");
    String x = g.input(ModelInterface.INPUT, -1, 784);
    g.output(g.dense(g.scale(x, 1f / 255), w, new float[10], 784, 10), ModelInterface.OUTPUT, -1, 10);
    byte[] onnx = new OnnxModel(g).modelVersion(version).toBytes();
    return ModelVersion.newBuilder().setModelName(MODEL).setVersion(version).setParentVersion(version - 1)
        .setCreatedAtMs(System.currentTimeMillis()).setArchitecture("linear-784-10").setFormat("onnx")
        .setSha256(Manifest.hex(MessageDigest.getInstance("SHA-256").digest(onnx))).setSizeBytes(onnx.length)
        .setOnnx(ByteString.copyFrom(onnx)).build();
  }
}
