package dev.distill.cli.demo;

import dev.distill.client.http.PublisherException;
import dev.distill.client.sim.Fleet;
import dev.distill.contract.data.Dataset;
import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.model.Variant;
import dev.distill.contract.proto.ModelVersion;
import dev.distill.contract.proto.Rollout;
import dev.distill.contract.proto.Sample;
import dev.distill.contract.proto.TrainerCheckpoint;
import dev.distill.kafka.EmbeddedKafka;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.platform.ingest.DatasetProducer;
import dev.distill.platform.ingest.KafkaClients;
import dev.distill.platform.lifecycle.GracefulShutdown;
import dev.distill.platform.topics.Topics;
import dev.distill.publisher.PublisherService;
import dev.distill.scorer.ScorerService;
import dev.distill.trainer.service.Progress;
import dev.distill.trainer.service.TrainerService;
import dev.distill.trainer.version.PromotionGate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * The whole system in this JVM: a real KRaft broker, the teacher-scorer, two student-trainers
 * (the distilled student, and a baseline with the same architecture, samples and steps trained
 * on hard labels only), the edge-publisher and a simulated fleet that runs the distilled
 * student, each device one of its variants. Each part is the service itself, configured as its deployment would configure it;
 * only ports ("0"), folders and a few timings are the demo's.
 *
 * <p>Parts are registered with the caller's {@link GracefulShutdown}, which closes them in
 * reverse order (fleet first, broker last) on Ctrl-C or when the caller is done.
 */
public final class Pipeline {
  /** Share of sample ids the trainers hold out of training: their validation slice and the devices' data. */
  public static final double VALIDATION_FRACTION = 0.05;
  /** The order the demo streams the training split in. */
  public static final long SHUFFLE_SEED = 1L;

  /**
   * @param workDir            the run's folders (broker data, scorer state, publisher store, device slots);
   *                           emptied at start: every run begins from empty topics and a fresh fleet
   * @param teacherStore       where the scorer finds the teacher (id = the data set's name)
   * @param studentArchitecture both students' network, e.g. mlp:784-800-800-10
   * @param versionEverySamples a candidate version every this many samples ...
   * @param versionEvery       ... or after this long with new samples (commits a tail shorter than the above)
   * @param waveDuration       shortest rollout wave (the service default, minutes, suits a real fleet)
   * @param variants           the distilled student's variants the devices run, the devices dealt round robin
   *                           over them
   * @param published          the variants the student's trainer publishes: those the devices run, or more
   *                           ({@link #publishingAll}); the baseline is published in fp32 alone
   */
  public record Settings(Dataset dataset, int devices, String studentArchitecture, long versionEverySamples,
      Duration versionEvery, Duration waveDuration, Path workDir, Path teacherStore, String teacherId,
      Optional<Path> teacherManifest, List<Variant> variants, List<Variant> published) {
    public Settings {
      variants = List.copyOf(new LinkedHashSet<>(variants));
      published = List.copyOf(new LinkedHashSet<>(published));
      if (variants.isEmpty()) {
        throw new IllegalArgumentException("at least one variant");
      }
      // a variant without devices would be rolled out to nobody: each rollout waits for reports until it times out
      if (devices < variants.size()) {
        throw new IllegalArgumentException(devices + " devices cannot run " + variants.size() + " variants");
      }
      if (!published.containsAll(variants) || !published.contains(Variant.FP32)) {
        throw new IllegalArgumentException("the trainer publishes fp32 and every variant the devices run, not "
            + published + " for " + variants);
      }
    }

    /** The trainer publishes the variants the devices run, no more. */
    public Settings(Dataset dataset, int devices, String studentArchitecture, long versionEverySamples,
        Duration versionEvery, Duration waveDuration, Path workDir, Path teacherStore, String teacherId,
        Optional<Path> teacherManifest, List<Variant> variants) {
      this(dataset, devices, studentArchitecture, versionEverySamples, versionEvery, waveDuration, workDir,
          teacherStore, teacherId, teacherManifest, variants, withFp32(variants));
    }

    private static List<Variant> withFp32(List<Variant> variants) {
      LinkedHashSet<Variant> out = new LinkedHashSet<>(variants);
      out.add(Variant.FP32);
      return List.copyOf(out);
    }

    /**
     * The same, with the trainer publishing every variant whatever the devices run (the bench
     * measures every lineage's updates; the variants no device runs get rollouts that wait for
     * reports until their wave times out).
     */
    public Settings publishingAll() {
      return new Settings(dataset, devices, studentArchitecture, versionEverySamples, versionEvery, waveDuration,
          workDir, teacherStore, teacherId, teacherManifest, variants, List.of(Variant.values()));
    }

    public String studentModel() {
      return dataset.cliName() + "-student";
    }

    public String baselineModel() {
      return dataset.cliName() + "-baseline";
    }
  }

  /** What runs now, for the status block. */
  public record Status(long produced, long scored, long deadLetters, Progress student, Progress baseline,
      int studentVersions, int baselineVersions, Optional<Rollout> rollout, Map<Variant, Fleet.Snapshot> fleets) {}

  /** The parts failed or stalled; the message says which and why. */
  public static final class PipelineException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    PipelineException(String message) {
      super(message);
    }
  }

  private final Settings settings;
  private final KafkaSettings kafka;
  private final EmbeddedKafka broker;
  private final ScorerService scorer;
  private final TrainerService student;
  private final ChildTrainer baseline;
  private final PublisherService publisher;
  private final Fleets fleets;
  private final VersionLog versions;
  private final AtomicLong produced = new AtomicLong();
  private volatile boolean stopping;

  Pipeline(Settings settings, KafkaSettings kafka, EmbeddedKafka broker, ScorerService scorer,
      TrainerService student, ChildTrainer baseline, PublisherService publisher, Fleets fleets, VersionLog versions) {
    this.settings = settings;
    this.kafka = kafka;
    this.broker = broker;
    this.scorer = scorer;
    this.student = student;
    this.baseline = baseline;
    this.publisher = publisher;
    this.fleets = fleets;
    this.versions = versions;
  }

  /**
   * Starts every part, telling {@code say} about each as it comes up.
   *
   * @param deviceData the devices' data (each classifies its slice): the held-out training images
   *     ({@link HeldOut}), never trained on and never the test split
   */
  public static Pipeline start(Settings s, LabelledImages deviceData, GracefulShutdown shutdown, Consumer<String> say)
      throws IOException, InterruptedException, PublisherException {
    Pipeline p = PipelineWiring.start(s, deviceData, shutdown, say);
    // closed first: from here on a failure seen by the waits is the shutdown, not a fault
    shutdown.register("stop-flag", () -> p.stopping = true);
    return p;
  }

  /** Streams {@code total} samples of the split into the samples topic (shuffled, all labelled), as fast as it goes. */
  public DatasetProducer.Summary produce(LabelledImages train, long total, LongConsumer progress)
      throws InterruptedException {
    return produce(train, total, 0, progress);
  }

  /** As {@link #produce(LabelledImages, long, LongConsumer)}, at {@code ratePerSecond} samples a second (0: no limit). */
  public DatasetProducer.Summary produce(LabelledImages train, long total, double ratePerSecond, LongConsumer progress)
      throws InterruptedException {
    Topics topics = kafka.topics();
    try (KafkaProducer<String, Sample> producer = KafkaClients.producer(kafka, topics.samples(), "distill-demo")) {
      return new DatasetProducer(producer, topics.samples(), Clock.systemUTC())
          .send(train, new DatasetProducer.Options(total, ratePerSecond, SHUFFLE_SEED, 1.0), n -> {
            produced.set(n);
            progress.accept(n);
          });
    }
  }

  public Status status() {
    return new Status(produced.get(), (long) scorer.metrics().softTargetsCount(),
        (long) scorer.metrics().deadLettersCount(), student.progress(), baselineProgress(),
        versions.of(settings.studentModel()).size(), versions.of(settings.baselineModel()).size(),
        publisher.view().rollout(settings.studentModel()), fleets.snapshots());
  }

  /** The child trainer's progress as Kafka (committed state) and its metrics (live count) tell it. */
  private Progress baselineProgress() {
    Optional<TrainerCheckpoint> c = versions.checkpoint(settings.baselineModel());
    long committed = c.map(TrainerCheckpoint::getSamplesTrained).orElse(0L);
    long published = c.map(TrainerCheckpoint::getPublishedVersion).orElse(0L);
    double validation = c.map(x -> x.getPublishedMetricsOrDefault(PromotionGate.ACCURACY, Double.NaN))
        .orElse(Double.NaN);
    long rejected = c.map(TrainerCheckpoint::getCandidatesRejected).orElse(0L);
    // samples trained since the last commit are redone by a restarted trainer, so the live count is at least committed
    long trained = Math.max(committed, baseline.samplesTrained());
    return new Progress(trained, committed, baseline.heldOut(), versions.of(settings.baselineModel()).size(),
        published, Double.NaN, validation, rejected, 0, 0, baseline.failure());
  }

  /**
   * Blocks until every one of {@code sent} samples is scored (or dead-lettered) and both trainers
   * have committed every soft target, and their last versions have been read back.
   *
   * @param stall how long nothing may move before this gives up
   */
  public void awaitTrained(long sent, Duration stall) throws InterruptedException {
    long lastMove = System.nanoTime();
    long lastSignature = -1;
    while (true) {
      checkRunning();
      Status s = status();
      long expected = sent - s.deadLetters();
      boolean scored = s.scored() + s.deadLetters() >= sent;
      boolean studentDone = done(s.student(), expected, settings.studentModel());
      boolean baselineDone = done(s.baseline(), expected, settings.baselineModel());
      if (scored && studentDone && baselineDone) {
        return;
      }
      long signature = s.scored() + s.student().committedSamples() + s.student().samplesTrained()
          + s.baseline().committedSamples() + s.baseline().samplesTrained();
      if (signature != lastSignature) {
        lastSignature = signature;
        lastMove = System.nanoTime();
      } else if (System.nanoTime() - lastMove > stall.toNanos()) {
        throw new PipelineException(String.format("nothing moved for %d s: scored %,d of %,d, student committed %,d, "
                + "baseline committed %,d", stall.toSeconds(), s.scored() + s.deadLetters(), sent,
            s.student().committedSamples(), s.baseline().committedSamples()));
      }
      Thread.sleep(250);
    }
  }

  private boolean done(Progress p, long expected, String model) {
    return p.committedSamples() + p.heldOut() + p.deadLettered() >= expected
        && versions.latest(model) >= p.publishedVersion();
  }

  /**
   * Waits until every device runs its variant's newest version ({@link VersionLog#latest} of its
   * lineage) and has measured it on its whole evaluation window, at most {@code timeout}.
   *
   * @return empty when they all do; otherwise, per lineage that is not there, why not (the
   *     rollout's state and reason)
   */
  public Optional<String> awaitFleet(Duration timeout) throws InterruptedException {
    // the trainer publishes the devices' variants beside the fp32 version, which awaitTrained has seen
    if (versions.latest(settings.studentModel()) == 0) {
      return Optional.of("no version of " + settings.studentModel() + " was published");
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      checkRunning();
      List<String> missing = new ArrayList<>();
      for (Variant v : fleets.variants()) {
        String lineage = fleets.lineage(v);
        long latest = versions.latest(lineage);
        Fleet.Snapshot f = fleets.snapshot(v);
        Optional<Rollout> r = publisher.view().rollout(lineage);
        boolean failed = r.isPresent() && r.get().getTargetVersion() == latest
            && (r.get().getState() == Rollout.State.ROLLED_BACK || r.get().getState() == Rollout.State.ABORTED);
        if (latest == 0) {
          missing.add("no version of " + lineage + " was published");
        } else if (failed) {
          // final: no device will move to a version its rollout gave up on
          return Optional.of("the rollout of " + lineage + " v" + latest + " was " + state(r.get()) + ": "
              + r.get().getReason());
        } else if (f.devicesOn(latest) < f.devices()) {
          missing.add(f.devicesOn(latest) + " of " + f.devices() + " devices run " + lineage + " v" + latest
              + r.map(x -> "; rollout of v" + x.getTargetVersion() + " " + x.getState() + " at wave "
                  + (x.getCurrentWave() + 1) + "/" + x.getWavesCount()
                  + (x.getReason().isEmpty() ? "" : " (" + x.getReason() + ")")).orElse(""));
        } else if (f.measuredOn(latest) < f.devices()) {
          // each variant's accuracy is then the mean over the same held-out images
          missing.add(f.measuredOn(latest) + " of " + f.devices() + " devices have measured " + lineage + " v" + latest
              + " on all their held-out images");
        }
      }
      if (missing.isEmpty()) {
        return Optional.empty();
      }
      if (System.nanoTime() >= deadline) {
        return Optional.of("after " + timeout.toSeconds() + " s: " + String.join("; ", missing));
      }
      Thread.sleep(250);
    }
  }

  private static String state(Rollout r) {
    return r.getState().name().toLowerCase(Locale.ROOT).replace('_', ' ');
  }

  private void checkRunning() {
    if (stopping) {
      throw new PipelineException("stopped");
    }
    if (scorer.failure().isDone()) {
      throw new PipelineException("the teacher-scorer stopped: " + scorer.failure().getNow(null));
    }
    if (student.progress().failure() != null) {
      throw new PipelineException("the trainer of " + settings.studentModel() + " stopped: "
          + student.progress().failure());
    }
    if (baseline.failure() != null) {
      throw new PipelineException("the trainer of " + settings.baselineModel() + " stopped: " + baseline.failure());
    }
    if (versions.failure() != null) {
      throw new PipelineException("reading " + kafka.topics().studentModels().name() + " failed: " + versions.failure());
    }
  }

  public Settings settings() {
    return settings;
  }

  public boolean stopping() {
    return stopping;
  }

  public String bootstrapServers() {
    return broker.bootstrapServers();
  }

  public KafkaSettings kafka() {
    return kafka;
  }

  /** Every published version of a model, oldest first, with its ONNX bytes. */
  public List<ModelVersion> versions(String model) {
    return versions.of(model);
  }

  /** The first variant's fleet: all the devices where the run has only fp32. */
  public Fleet.Snapshot fleetSnapshot() {
    return fleets.snapshot(fleets.variants().get(0));
  }

  /** Each variant's devices now, in the order of {@link Settings#variants()}. */
  public Map<Variant, Fleet.Snapshot> fleetSnapshots() {
    return fleets.snapshots();
  }

  public List<Double> waves() {
    return publisher.config().rollouts().waves();
  }

  public static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
