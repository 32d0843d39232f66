package dev.distill.deploy.pipeline;

import dev.distill.cli.demo.DemoKeys;
import dev.distill.contract.model.ModelInterface;
import dev.distill.contract.model.TeacherStore;
import dev.distill.contract.onnx.OnnxGraph;
import dev.distill.contract.onnx.OnnxModel;
import dev.distill.contract.proto.Sample;
import dev.distill.contract.wire.Tensors;
import dev.distill.kafka.EmbeddedKafka;
import dev.distill.platform.config.ConfigReader;
import dev.distill.platform.topics.Topics;
import dev.distill.publisher.PublisherConfig;
import dev.distill.publisher.PublisherService;
import dev.distill.scorer.ScorerService;
import dev.distill.scorer.ScorerSettings;
import dev.distill.trainer.service.TrainerService;
import dev.distill.trainer.service.TrainerSettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The three real services on a real embedded broker, in this JVM, fed until every stage has done
 * its work once: samples scored (and a few dead-lettered), a student version trained and
 * published, a rollout started, a device registered and reporting a failure. Their {@code
 * /metrics} are then what a Prometheus would scrape in a cluster.
 */
public final class RunningPipeline implements AutoCloseable {
  public static final String MODEL = "deploy-student";
  public static final Duration PATIENCE = Duration.ofMinutes(3);
  private static final String ADMIN = "admin-token-for-deploy-tests-0123";
  private static final int SAMPLES = 600;

  private final EmbeddedKafka broker;
  private final ScorerService scorer;
  private final TrainerService trainer;
  private final PublisherService publisher;
  private final HttpClient http = HttpClient.newHttpClient();

  private RunningPipeline(EmbeddedKafka broker, ScorerService scorer, TrainerService trainer,
      PublisherService publisher) {
    this.broker = broker;
    this.scorer = scorer;
    this.trainer = trainer;
    this.publisher = publisher;
  }

  /** Starts everything and waits until each stage has produced its output. */
  public static RunningPipeline start(Path dir) throws Exception {
    EmbeddedKafka broker = EmbeddedKafka.builder().dataDir(dir.resolve("kafka")).port(0).controllerPort(0).build()
        .start();
    ScorerService scorer = null;
    TrainerService trainer = null;
    PublisherService publisher = null;
    try {
      Map<String, String> common = Map.of(
          "DISTILL_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
          "DISTILL_PARTITIONS", "2",
          "DISTILL_HTTP_PORT", "0");
      TeacherStore store = new TeacherStore(dir.resolve("teachers"));
      store.publish("mnist", List.of(tinyTeacher()),
          dev.distill.contract.model.TeacherManifest.legacy(784, 10, Map.of("origin", "deploy test")));
      scorer = ScorerService.start(ScorerSettings.from(with(common, Map.of(
          ScorerSettings.TEACHER_STORE, store.root().toString(),
          ScorerSettings.STATE_DIR, dir.resolve("state").toString(),
          ScorerSettings.ORT_THREADS, "1",
          ScorerSettings.MAX_SAMPLE_BYTES, "4096"))));
      // one root certifies the trainer's image key and the publisher's key, as in the demo
      DemoKeys keys = DemoKeys.create(dir.resolve("keys"));
      trainer = new TrainerService(TrainerSettings.read(ConfigReader.from(with(with(common, keys.trainerEnv()), Map.of(
          "DISTILL_TRAINER_MODEL_NAME", MODEL,
          "DISTILL_TRAINER_ARCHITECTURE", "mlp:784-16-10",
          // a few examples of the validation slice judge (5% of the ids are held out)
          "DISTILL_TRAINER_VALIDATION_MIN", "5",
          "DISTILL_TRAINER_THREADS", "1",
          "DISTILL_TRAINER_VERSION_EVERY_SAMPLES", "200",
          "DISTILL_TRAINER_VERSION_EVERY", "2s",
          // any candidate passes: the test needs published versions, not good ones
          "DISTILL_TRAINER_GATE_MARGIN", "1"))))).start();
      publisher = PublisherService.start(PublisherConfig.read(ConfigReader.from(with(with(common, keys.publisherEnv()), Map.of(
          PublisherConfig.PORT, "0",
          PublisherConfig.ADMIN_PORT, "0",
          PublisherConfig.ADMIN_TOKEN, ADMIN,
          PublisherConfig.ARTIFACT_DIR, dir.resolve("publisher/artifacts").toString())))), Clock.systemUTC());
      RunningPipeline p = new RunningPipeline(broker, scorer, trainer, publisher);
      p.feed(ScorerSettings.from(with(common, Map.of())).kafka().topics());
      p.await("the trainer's first published version", () -> p.trainer.progress().versionsPublished() > 0
          || p.trainer.progress().failure() != null);
      if (p.trainer.progress().failure() != null) {
        throw new IllegalStateException("the trainer failed: " + p.trainer.progress().failure());
      }
      p.await("the publisher's rollout of " + MODEL, () -> p.metricsText(p.publisher.opsPort())
          .contains("distill_publisher_rollout_state{model=\"" + MODEL + "\""));
      p.reportFailedDevice();
      p.await("the failed report counted", () -> p.metricsText(p.publisher.opsPort())
          .contains("distill_publisher_reports_failed_total{service=\"edge-publisher\",status=\"health_check_failed\"} 1.0"));
      return p;
    } catch (Exception | Error e) {
      for (AutoCloseable c : new AutoCloseable[] {publisher, trainer, scorer, broker}) {
        if (c != null) {
          try {
            c.close();
          } catch (Exception suppressed) {
            e.addSuppressed(suppressed);
          }
        }
      }
      throw e;
    }
  }

  /** Ops ports by the job names the tests give them. */
  public Map<String, Integer> opsPorts() {
    return Map.of("teacher-scorer", scorer.httpPort(), "student-trainer", trainer.httpPort(),
        "edge-publisher", publisher.opsPort());
  }

  public String metricsText(int port) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /metrics on port " + port, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Random 28x28 images with labels, plus one record of garbage per hundred for the dead-letter topic. */
  private void feed(Topics topics) throws Exception {
    Random rnd = new Random(7);
    Map<String, Object> props = new HashMap<>(Map.of("bootstrap.servers", broker.bootstrapServers()));
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < SAMPLES; i++) {
        byte[] pixels = new byte[784];
        rnd.nextBytes(pixels);
        Sample s = Sample.newBuilder().setId("s-" + i).setEventTimeMs(System.currentTimeMillis())
            .setLabel(i % 10).setFeatures(Tensors.uint8(pixels, 28, 28)).build();
        producer.send(new ProducerRecord<>(topics.samples().name(), s.getId(), s.toByteArray()));
        if (i % 100 == 0) {
          producer.send(new ProducerRecord<>(topics.samples().name(), "bad-" + i, new byte[] {(byte) 0xff, 1}));
        }
      }
      producer.flush();
    }
  }

  private void reportFailedDevice() throws Exception {
    String body = "{\"deviceId\":\"device-1\",\"model\":\"" + MODEL + "\"}";
    HttpResponse<String> reg = http.send(HttpRequest.newBuilder(publisher.adminUri().resolve("/v1/admin/devices"))
        .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    if (reg.statusCode() != 201) {
      throw new IllegalStateException("device registration: " + reg.statusCode() + " " + reg.body());
    }
    Matcher token = Pattern.compile("\"token\"\\s*:\\s*\"([^\"]+)\"").matcher(reg.body());
    if (!token.find()) {
      throw new IllegalStateException("no token in " + reg.body());
    }
    HttpResponse<String> rep = http.send(HttpRequest.newBuilder(publisher.apiUri().resolve("/v1/devices/device-1/reports"))
        .header("Authorization", "Bearer " + token.group(1)).header("Content-Type", "application/json")
        // every numeric field given: openapi.yaml requires them all (0 when there is nothing to count)
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + MODEL + "\",\"installedVersion\":0,"
            + "\"status\":\"HEALTH_CHECK_FAILED\",\"detail\":\"deploy test\",\"inferenceCount\":0,"
            + "\"latencyP50Ms\":0,\"latencyP99Ms\":0,\"errorCount\":0,\"labelledCount\":0}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    if (rep.statusCode() != 202) {
      throw new IllegalStateException("device report: " + rep.statusCode() + " " + rep.body());
    }
  }

  /** A 784-16-10 MLP over pixels scaled by 1/255, with fixed random weights. */
  private static byte[] tinyTeacher() {
    Random rnd = new Random(11);
    OnnxGraph g = new OnnxGraph("deploy-teacher");
    String x = g.scale(g.input(ModelInterface.INPUT, -1, 784), 1f / 255f);
    x = g.relu(g.dense(x, gaussian(rnd, 784 * 16, 0.05), new float[16], 784, 16));
    x = g.dense(x, gaussian(rnd, 16 * 10, 0.35), new float[10], 16, 10);
    g.output(x, ModelInterface.OUTPUT, -1, 10);
    return new OnnxModel(g).toBytes();
  }

  private static float[] gaussian(Random rnd, int n, double sd) {
    float[] w = new float[n];
    for (int i = 0; i < n; i++) {
      w[i] = (float) (rnd.nextGaussian() * sd);
    }
    return w;
  }

  private static Map<String, String> with(Map<String, String> a, Map<String, String> b) {
    Map<String, String> m = new HashMap<>(a);
    m.putAll(b);
    return m;
  }

  /** A bounded wait for a condition (not a timing assertion): fails only after {@link #PATIENCE}. */
  public void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + PATIENCE + " waiting for " + what);
      }
      Thread.sleep(200);
    }
  }

  @Override
  public void close() {
    publisher.close();
    trainer.close();
    scorer.close();
    broker.close();
  }
}
