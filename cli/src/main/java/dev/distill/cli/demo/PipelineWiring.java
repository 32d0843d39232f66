package dev.distill.cli.demo;

import dev.distill.client.http.PublisherException;
import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.model.Variant;
import dev.distill.kafka.EmbeddedKafka;
import dev.distill.platform.config.ConfigReader;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.platform.config.ServiceSettings;
import dev.distill.platform.lifecycle.GracefulShutdown;
import dev.distill.platform.topics.TopicAdmin;
import dev.distill.platform.topics.Topics;
import dev.distill.publisher.PublisherConfig;
import dev.distill.publisher.PublisherService;
import dev.distill.scorer.ScorerService;
import dev.distill.scorer.ScorerSettings;
import dev.distill.trainer.service.TrainerService;
import dev.distill.trainer.service.TrainerSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;

/**
 * How {@link Pipeline#start} brings the parts up, in the order they depend on each other: the
 * broker and its topics, the teacher-scorer, the demo's keys, both trainers, the edge-publisher
 * (awaited until it has read its state topics) and a fleet per variant. Each part is configured through the
 * same settings its deployment reads, so the demo runs the services as they ship.
 */
final class PipelineWiring {
  /** The trainer's variants besides fp32, a comma list of ids; {@code none} for fp32 alone. */
  static final String VARIANTS = "DISTILL_TRAINER_VARIANTS";

  private PipelineWiring() {}

  /** Starts every part, registering each with {@code shutdown} as it comes up; see {@link Pipeline#start}. */
  static Pipeline start(Pipeline.Settings s, LabelledImages deviceData, GracefulShutdown shutdown, Consumer<String> say)
      throws IOException, InterruptedException, PublisherException {
    Pipeline.deleteRecursively(s.workDir());
    Path kafkaDir = s.workDir().resolve("kafka");
    EmbeddedKafka broker = shutdown.register("kafka",
        EmbeddedKafka.builder().dataDir(kafkaDir).port(0).controllerPort(0).build());
    broker.start();
    String bootstrap = broker.bootstrapServers();
    say.accept("kafka          broker at " + bootstrap + " (data in " + kafkaDir + ")");

    KafkaSettings kafka = KafkaSettings.read(ConfigReader.from(Map.of(KafkaSettings.BOOTSTRAP, bootstrap)));
    Topics topics = kafka.topics();
    try (Admin admin = Admin.create(kafka.clientProperties())) {
      TopicAdmin.ensure(admin, topics, (short) 1);
    }
    VersionLog versions = shutdown.register("version-log", new VersionLog(kafka, topics));

    ScorerService scorer = shutdown.register("teacher-scorer", ScorerService.start(ScorerSettings.from(Map.of(
        KafkaSettings.BOOTSTRAP, bootstrap,
        ScorerSettings.TEACHER_ID, s.teacherId(),
        ScorerSettings.TEACHER_STORE, s.teacherStore().toString(),
        ScorerSettings.STATE_DIR, s.workDir().resolve("scorer-state").toString(),
        ServiceSettings.HTTP_PORT, "0"))));
    say.accept("teacher-scorer teacher " + s.teacherId() + " v" + scorer.teacherVersion() + ", T="
        + scorer.settings().scoring().temperature() + "  (metrics :" + scorer.httpPort() + ")");

    // both signatures on every version: the trainer's image key and the publisher's key, certified by one demo root
    DemoKeys keys = DemoKeys.create(s.workDir().resolve("keys"));
    say.accept("keys           demo root " + keys.rootKeyId() + " certifies the publisher's and the trainer's keys (in "
        + s.workDir().resolve("keys") + ")");

    Map<String, String> studentEnv = trainerEnv(s, bootstrap, s.studentModel(), keys.trainerEnv());
    List<String> variantIds = s.published().stream().filter(v -> v != Variant.FP32).map(Variant::id).toList();
    studentEnv.put(VARIANTS, variantIds.isEmpty() ? TrainerSettings.NO_VARIANTS : String.join(",", variantIds));
    TrainerService student = shutdown.register("student-trainer", new TrainerService(TrainerSettings.read(
        ConfigReader.from(studentEnv))).start());
    say.accept("student-trainer " + s.studentModel() + ": " + s.studentArchitecture() + ", distilled (alpha "
        + student.settings().alpha() + ")  (metrics :" + student.httpPort() + ")");
    // same network, samples, batches and seed; only the loss differs: hard labels alone
    Map<String, String> baselineEnv = trainerEnv(s, bootstrap, s.baselineModel(), keys.trainerEnv());
    baselineEnv.put("DISTILL_TRAINER_ALPHA", "0");
    baselineEnv.put(VARIANTS, TrainerSettings.NO_VARIANTS); // the baseline is a yardstick for the student's fp32 versions: no device runs it
    TrainerSettings.read(ConfigReader.from(baselineEnv)); // a bad setting fails here, not in the child
    ChildTrainer baseline = shutdown.register("baseline-trainer",
        ChildTrainer.start(s.baselineModel(), baselineEnv, s.workDir().resolve("baseline-trainer.log")));
    // DJL trains one model at a time per process
    say.accept("student-trainer " + s.baselineModel() + ": " + s.studentArchitecture()
        + ", hard labels only (alpha 0), in its own JVM  (metrics :" + baseline.opsPort() + ")");

    String adminToken = randomToken();
    Path pub = s.workDir().resolve("publisher");
    Map<String, String> pubEnv = new HashMap<>();
    pubEnv.put(KafkaSettings.BOOTSTRAP, bootstrap);
    pubEnv.put(ServiceSettings.HTTP_PORT, "0");
    pubEnv.put(PublisherConfig.PORT, "0");
    pubEnv.put(PublisherConfig.ADMIN_PORT, "0");
    pubEnv.put(PublisherConfig.ADMIN_TOKEN, adminToken);
    pubEnv.putAll(keys.publisherEnv());
    pubEnv.put(PublisherConfig.ARTIFACT_DIR, pub.resolve("artifacts").toString());
    pubEnv.put(PublisherConfig.MIN_WAVE_DURATION, s.waveDuration().toMillis() + "ms");
    // each device measures a version on its share of the held-out images (each variant's fleet
    // shares them all out): a first wave of one device has that many labels, fewer than the
    // service's default 200
    int window = Math.max(1, deviceData.count() / Collections.max(Fleets.split(s.devices(), s.variants()).values()));
    pubEnv.put(PublisherConfig.MIN_LABELLED, Integer.toString(Math.min(200, window)));
    PublisherService publisher = shutdown.register("edge-publisher",
        PublisherService.start(PublisherConfig.read(ConfigReader.from(pubEnv)), Clock.systemUTC()));
    long readyBy = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!publisher.ready()) {
      if (System.nanoTime() > readyBy) {
        throw new Pipeline.PipelineException("the edge-publisher did not catch up with its state topics within 60 s");
      }
      Thread.sleep(100);
    }
    say.accept("edge-publisher " + publisher.apiUri() + " (admin " + publisher.adminUri() + "), rollout waves "
        + DemoResults.waves(publisher.config().rollouts().waves()) + "  (metrics :" + publisher.opsPort() + ")");
    // the token rides in the fragment, which the browser never sends; the console moves it to the tab's storage
    say.accept("console        " + publisher.adminUri() + "/console/#token=" + adminToken
        + "  (open it to watch the pipeline, the students and the rollouts; --follow keeps it up after the run)");

    Fleets fleets = shutdown.register("fleet", Fleets.start(s, publisher.apiUri(), publisher.adminUri(), adminToken,
        deviceData, window, s.workDir().resolve("devices")));
    for (Variant v : fleets.variants()) {
      say.accept(String.format(Locale.ROOT, "fleet          %d simulated devices run %s (%s; ONNX Runtime)",
          fleets.snapshot(v).devices(), fleets.lineage(v), v.description()));
    }
    say.accept("               each on its slice of the " + deviceData.count()
        + " held-out training images (never trained on; not the test split)");
    return new Pipeline(s, kafka, broker, scorer, student, baseline, publisher, fleets, versions);
  }

  private static Map<String, String> trainerEnv(Pipeline.Settings s, String bootstrap, String model,
      Map<String, String> extra) {
    Map<String, String> env = new HashMap<>();
    env.put(KafkaSettings.BOOTSTRAP, bootstrap);
    env.put(ServiceSettings.HTTP_PORT, "0");
    env.put("DISTILL_TRAINER_MODEL_NAME", model);
    env.put("DISTILL_TRAINER_ARCHITECTURE", s.studentArchitecture());
    s.teacherManifest().ifPresent(m -> env.put("DISTILL_TRAINER_TEACHER_MANIFEST", m.toString()));
    // the trainers judge on their validation slice of the stream (5% of the ids, the images the
    // devices measure on): a short run judges its first version on fewer examples than the default 200
    env.put("DISTILL_TRAINER_VALIDATION_FRACTION", Double.toString(Pipeline.VALIDATION_FRACTION));
    env.put("DISTILL_TRAINER_VALIDATION_MIN", Long.toString(validationMin(s.versionEverySamples())));
    // two trainers, the scorer, the broker and the fleet share the cores: one PyTorch thread each
    env.put("DISTILL_TRAINER_THREADS", "1");
    env.put("DISTILL_TRAINER_VERSION_EVERY_SAMPLES", Long.toString(s.versionEverySamples()));
    env.put("DISTILL_TRAINER_VERSION_EVERY", s.versionEvery().toMillis() + "ms");
    env.putAll(extra);
    return env;
  }

  /** A fortieth of a version period (half the slice's share of it), between 10 and the trainer's default 200. */
  static long validationMin(long versionEverySamples) {
    return Math.max(10, Math.min(200, versionEverySamples / 40));
  }

  private static String randomToken() {
    byte[] b = new byte[24];
    new SecureRandom().nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }
}
