package dev.distill.trainer.service;

import dev.distill.contract.model.Architecture;
import dev.distill.contract.model.Variant;
import dev.distill.contract.ota.ImageSigner;
import dev.distill.platform.config.ConfigException;
import dev.distill.platform.config.ConfigReader;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.platform.config.ServiceSettings;
import dev.distill.trainer.engine.EngineSettings;
import dev.distill.trainer.engine.NoGpuException;
import dev.distill.trainer.engine.TrainingDevice;
import dev.distill.trainer.engine.TrainingEngine;
import dev.distill.trainer.sign.ImageKey;
import dev.distill.trainer.stream.LearningRate;
import dev.distill.trainer.stream.ResumableOptimizer;
import dev.distill.trainer.version.VariantVersions;
import dev.distill.contract.model.TeacherManifest;
import dev.distill.trainer.model.StudentInputs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Everything the student trainer is configured with; {@link #read} takes it from {@code DISTILL_*}
 * variables and reports every problem at once.
 *
 * @param validation       the validation slice of the stream that candidates are judged on
 * @param versionEverySamples a candidate is considered after this many fresh samples ...
 * @param versionEvery     ... or after this long with at least one new sample, whichever comes first
 * @param replayRatio      replayed examples per fresh one in each batch
 * @param threads          PyTorch intra-op threads
 * @param device           where the student trains: auto (the GPU when PyTorch sees one), cpu or gpu
 * @param teacher          the teacher's manifest, when the student takes a user's teacher's inputs
 * @param inputs           what the student takes: the teacher's inputs, or {@code pixels [N, D]}
 * @param stallTimeout     the training loop not coming round for this long (stuck in a call) fails
 *                         the liveness check, so that Kubernetes restarts the pod
 * @param variants         what is published besides each fp32 version (fp16, int8, qdelta), each
 *                         its own lineage {@code <model>.<variant>}
 * @param images           the trainer's image key that signs every published version ({@link ImageKey});
 *                         empty when none is configured
 */
public record TrainerSettings(String modelName, Architecture architecture, Optional<TeacherManifest> teacher,
    StudentInputs inputs, int batchSize,
    ResumableOptimizer.Kind optimizer, LearningRate learningRate, float momentum, float alpha, int replayCapacity,
    double replayRatio, long versionEverySamples, Duration versionEvery, double gateMargin,
    Validation validation, int threads, TrainingDevice device, String consumerGroup, int seed,
    Duration stallTimeout, ServiceSettings service, KafkaSettings kafka, Optional<ImageSigner> images,
    VariantVersions.Settings variants) {

  public static final String SERVICE_NAME = "student-trainer";
  public static final int DEFAULT_HTTP_PORT = 8082;
  public static final String DEFAULT_MODEL_NAME = "mnist-student";
  public static final String DEFAULT_ARCHITECTURE = "mlp:784-800-800-10";
  /** A student small enough for a microcontroller-class device: about 100k weights, 400 kB. */
  public static final String EDGE_ARCHITECTURE = "mlp:784-128-10";
  public static final String DEVICE = "DISTILL_TRAINER_DEVICE";
  /** {@code DISTILL_TRAINER_VARIANTS} for fp32 alone. */
  public static final String NO_VARIANTS = "none";
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");

  public static TrainerSettings read(ConfigReader r) {
    String model = r.string("DISTILL_TRAINER_MODEL_NAME", DEFAULT_MODEL_NAME, NAME, "letters, digits, '.', '_', '-'");
    String archSpec = r.string("DISTILL_TRAINER_ARCHITECTURE", DEFAULT_ARCHITECTURE);
    Architecture arch = Architecture.parse(DEFAULT_ARCHITECTURE);
    try {
      arch = Architecture.parse(archSpec);
    } catch (IllegalArgumentException e) {
      r.problem("DISTILL_TRAINER_ARCHITECTURE", archSpec, "a network spec such as mlp:784-800-800-10 ("
          + e.getMessage() + ")");
    }
    // the student takes its teacher's inputs: from the teacher's manifest, or MNIST-style pixels
    String manifestPath = r.string("DISTILL_TRAINER_TEACHER_MANIFEST", "");
    Optional<TeacherManifest> teacher = Optional.empty();
    StudentInputs inputs = null;
    if (!manifestPath.isBlank()) {
      try {
        teacher = Optional.of(TeacherManifest.fromJson(Files.readAllBytes(Path.of(manifestPath))));
        inputs = StudentInputs.of(teacher.get());
      } catch (IOException | RuntimeException e) {
        r.problem("DISTILL_TRAINER_TEACHER_MANIFEST", manifestPath, "a readable teacher.json (" + e.getMessage() + ")");
      }
    } else if (!(arch instanceof Architecture.Tok)) {
      inputs = StudentInputs.pixels(arch.inputSize());
    } else {
      r.problem("DISTILL_TRAINER_TEACHER_MANIFEST", "", "a token student needs its teacher's manifest (the inputs' names)");
    }
    if (inputs != null) {
      try {
        inputs.check(arch);
      } catch (IllegalArgumentException e) {
        r.problem("DISTILL_TRAINER_ARCHITECTURE", archSpec, e.getMessage());
      }
      if (teacher.isPresent() && teacher.get().output().classes() != arch.classes()) {
        r.problem("DISTILL_TRAINER_ARCHITECTURE", archSpec, arch.classes() + " classes; the teacher has "
            + teacher.get().output().classes());
      }
    }
    int batch = r.intValue("DISTILL_TRAINER_BATCH", 32, 1, 65_536);
    ResumableOptimizer.Kind opt = r.enumValue("DISTILL_TRAINER_OPTIMIZER", ResumableOptimizer.Kind.ADAM,
        ResumableOptimizer.Kind.class);
    double lr = r.doubleValue("DISTILL_TRAINER_LEARNING_RATE", 1e-3, 1e-9, 10);
    LearningRate.Schedule schedule = r.enumValue("DISTILL_TRAINER_LR_SCHEDULE", LearningRate.Schedule.CONSTANT,
        LearningRate.Schedule.class);
    long scheduleSteps = r.longValue("DISTILL_TRAINER_LR_SCHEDULE_STEPS", 1_875, 1, Long.MAX_VALUE);
    double momentum = r.doubleValue("DISTILL_TRAINER_MOMENTUM", 0.9, 0, 0.9999);
    double alpha = r.doubleValue("DISTILL_TRAINER_ALPHA", 0.9, 0, 1);
    int capacity = r.intValue("DISTILL_TRAINER_REPLAY_CAPACITY", 10_000, 0, 10_000_000);
    double ratio = r.doubleValue("DISTILL_TRAINER_REPLAY_RATIO", 0.25, 0, 4);
    long everySamples = r.longValue("DISTILL_TRAINER_VERSION_EVERY_SAMPLES", 10_000, 1, Long.MAX_VALUE);
    Duration every = r.duration("DISTILL_TRAINER_VERSION_EVERY", Duration.ofSeconds(60), Duration.ofMillis(100),
        Duration.ofMinutes(10));
    double margin = r.doubleValue("DISTILL_TRAINER_GATE_MARGIN", 0.005, 0, 1);
    Validation validation = new Validation(
        r.doubleValue("DISTILL_TRAINER_VALIDATION_FRACTION", 0.05, 0.001, 0.5),
        r.intValue("DISTILL_TRAINER_VALIDATION_CAPACITY", 5_000, 1, 1_000_000),
        r.intValue("DISTILL_TRAINER_VALIDATION_MIN", 200, 1, 1_000_000),
        r.intValue("DISTILL_TRAINER_GATE_MIN_LABELS", 200, 1, 1_000_000));
    if (validation.min() > validation.capacity()) {
      r.problem("DISTILL_TRAINER_VALIDATION_MIN", Integer.toString(validation.min()),
          "at most DISTILL_TRAINER_VALIDATION_CAPACITY (" + validation.capacity() + ")");
    }
    int threads = r.intValue("DISTILL_TRAINER_THREADS", Runtime.getRuntime().availableProcessors(), 1, 256);
    TrainingDevice device = r.enumValue(DEVICE, TrainingDevice.AUTO, TrainingDevice.class);
    String group = r.string("DISTILL_TRAINER_CONSUMER_GROUP", "distill-trainer-" + model);
    int seed = r.intValue("DISTILL_TRAINER_SEED", 1, 0, Integer.MAX_VALUE);
    // above the longest call the loop makes: a commit waits for the broker up to the producer's
    // max.block.ms and delivery timeout (2 min)
    Duration stall = r.duration("DISTILL_TRAINER_STALL_TIMEOUT", Duration.ofMinutes(5), Duration.ofSeconds(10),
        Duration.ofHours(1));
    ServiceSettings service = ServiceSettings.read(r, SERVICE_NAME, DEFAULT_HTTP_PORT);
    KafkaSettings kafka = KafkaSettings.read(r);
    Optional<ImageSigner> images = ImageKey.read(r, Instant.now());
    VariantVersions.Settings variants = variants(r);
    r.validate();
    return new TrainerSettings(model, arch, teacher, inputs, batch, opt, new LearningRate(schedule, (float) lr, scheduleSteps),
        (float) momentum, (float) alpha, capacity, ratio, everySamples, every, margin, validation, threads, device, group,
        seed, stall, service, kafka, images, variants);
  }

  /** {@code DISTILL_TRAINER_VARIANTS}: what is published besides fp32 ({@value #NO_VARIANTS}: only fp32). */
  private static VariantVersions.Settings variants(ConfigReader r) {
    // an empty variable reads as unset (the default), so fp32 alone needs a word of its own
    String list = r.string("DISTILL_TRAINER_VARIANTS", "fp16,int8,qdelta");
    if (list.trim().equals(NO_VARIANTS)) {
      list = "";
    }
    double step = r.doubleValue("DISTILL_TRAINER_QDELTA_STEP", 1.0, 0.01, 100);
    List<Variant> variants = new ArrayList<>();
    for (String id : list.split(",")) {
      if (id.isBlank()) {
        continue;
      }
      try {
        Variant v = Variant.parse(id);
        if (v == Variant.FP32 || variants.contains(v)) {
          r.problem("DISTILL_TRAINER_VARIANTS", list, "variants besides fp32 (always published), each once");
        } else {
          variants.add(v);
        }
      } catch (IllegalArgumentException e) {
        r.problem("DISTILL_TRAINER_VARIANTS", list, "a comma list of fp16, int8 and qdelta (" + e.getMessage() + ")");
      }
    }
    return new VariantVersions.Settings(variants, step);
  }

  /**
   * The validation slice: the sample ids whose hash falls below {@code fraction} are held out of
   * training (never in a batch, the replay buffer or the prequential figures) and judge candidates.
   *
   * @param fraction  share of sample ids held out
   * @param capacity  examples kept at most (those with the smallest hashes)
   * @param min       examples the slice must hold before any candidate is judged (and published)
   * @param minLabels labelled examples in the slice before the gate compares accuracy rather than
   *                  agreement with the teacher
   */
  public record Validation(double fraction, int capacity, int min, int minLabels) {}

  /** The engine this trainer needs: the data home's natives, its threads, one inter-op thread, its device. */
  public EngineSettings engine() {
    return new EngineSettings(EngineSettings.defaults().cacheDir(), threads, 1, device);
  }

  /**
   * Starts the engine on the configured device.
   *
   * @throws ConfigException when a GPU is required and PyTorch sees none: a setting to change, like any other
   */
  public TrainingEngine startEngine() {
    try {
      return TrainingEngine.start(engine());
    } catch (NoGpuException e) {
      throw new ConfigException(List.of(DEVICE + "=gpu: expected a GPU, but " + e.getMessage()
          + "; set " + DEVICE + "=auto to train on the CPU when there is none"));
    }
  }

  /** Transactional id: stable per model, so a restarted trainer fences its predecessor. */
  public String transactionalId() {
    return "distill-trainer-" + modelName;
  }
}
