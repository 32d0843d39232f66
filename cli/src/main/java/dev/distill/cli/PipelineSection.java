package dev.distill.cli;

import dev.distill.bench.BenchContext;
import dev.distill.bench.Section;
import dev.distill.bench.ota.UpdateSizes;
import dev.distill.bench.ota.VariantInference;
import dev.distill.cli.demo.HeldOut;
import dev.distill.cli.demo.Pipeline;
import dev.distill.cli.report.OnnxEvaluation;
import dev.distill.contract.data.Dataset;
import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.model.TeacherManifest;
import dev.distill.contract.model.TeacherVersion;
import dev.distill.contract.model.Variant;
import dev.distill.contract.proto.ModelVersion;
import dev.distill.contract.proto.OffsetRange;
import dev.distill.contract.proto.SoftTarget;
import dev.distill.platform.lifecycle.GracefulShutdown;
import dev.distill.platform.topics.TopicFollower;
import dev.distill.trainer.service.TrainerSettings;
import dev.distill.trainer.validation.SampleHash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The demo's pipeline under a steady stream, measured twice over: freshness, and the size of the
 * updates between the versions it published ({@link UpdateSizes}).
 *
 * <p>Freshness: how long after a sample enters the system a device runs a model trained on it. The
 * demo's pipeline (broker, scorer, both trainers, publisher, simulated fleet, all real) takes a
 * steady stream; afterwards every trained sample's soft target (partition, offset, the sample's
 * event time, which the producer sets at send) is matched with the first published version whose
 * data range holds its offset, and that version with the moments the fleet came to run it (polled
 * every 100 ms): the first device, and every device. Held-out samples are never trained on and
 * are left out.
 */
final class PipelineSection implements Section {
  private static final Duration POLL = Duration.ofMillis(100);
  private static final String FRESHNESS = "freshness";

  @Override
  public String name() {
    return "pipeline";
  }

  @Override
  public void run(BenchContext ctx) throws Exception {
    int samples = ctx.quick() ? 6_000 : 30_000;
    int devices = ctx.quick() ? 10 : 20;
    double rate = 300;
    long versionEvery = ctx.quick() ? 1_000 : 2_000;
    String student = TrainerSettings.DEFAULT_ARCHITECTURE;
    TeacherVersion teacher = teacher(ctx);
    LabelledImages train = ctx.mnistTrain();
    Optional<java.nio.file.Path> manifest = TeacherCommand.isPixelsTeacher(teacher) ? Optional.empty()
        : Optional.of(teacher.dir().resolve(TeacherManifest.FILE));
    Pipeline.Settings settings = new Pipeline.Settings(Dataset.MNIST, devices, student, versionEvery,
        Duration.ofSeconds(5), Duration.ofSeconds(1), ctx.scratch("freshness"), TeacherCommand.store().root(),
        teacher.teacherId(), manifest, List.of(Variant.FP32))
        .publishingAll(); // the devices run fp32; the update sizes take every lineage the trainer publishes
    List<Poll> polls = new CopyOnWriteArrayList<>();
    ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "bench-fleet-poll");
      t.setDaemon(true);
      return t;
    });
    try (GracefulShutdown shutdown = GracefulShutdown.onSignal("bench-freshness", Duration.ofSeconds(30))) {
      Pipeline p = Pipeline.start(settings, HeldOut.images(train, samples, Pipeline.VALIDATION_FRACTION), shutdown,
          line -> ctx.progress("%s", line));
      Runnable poll = () -> {
        Map<Long, Integer> now = new TreeMap<>(p.fleetSnapshot().devicesPerVersion());
        if (polls.isEmpty() || !polls.get(polls.size() - 1).perVersion().equals(now)) {
          polls.add(new Poll(System.currentTimeMillis(), now));
        }
      };
      poller.scheduleAtFixedRate(poll, 0, POLL.toMillis(), TimeUnit.MILLISECONDS);
      ctx.progress("streaming %,d samples at %.0f/s, a version every %,d samples, to %d devices running %s", samples,
          rate, versionEvery, devices, student);
      long sent = p.produce(train, samples, rate, n -> { }).sent();
      p.awaitTrained(sent, Duration.ofMinutes(5));
      Optional<String> problem = p.awaitFleet(Duration.ofMinutes(4));
      poller.shutdown();
      poller.awaitTermination(5, TimeUnit.SECONDS);
      // the fleet's last move can fall between the poller's last run and its shutdown: without
      // this poll, the samples of the versions that move completed would count as never arrived
      poll.run();
      problem.ifPresent(why -> ctx.report().note(FRESHNESS, "the fleet did not reach the newest version: " + why));
      List<ModelVersion> versions = p.versions(settings.studentModel());
      List<long[]> targets = softTargets(p);
      report(ctx, settings, rate, versions, targets, polls);
      Map<Variant, List<byte[]>> lineages = new EnumMap<>(Variant.class);
      for (Variant v : Variant.values()) {
        List<ModelVersion> published = p.versions(v.lineage(settings.studentModel()));
        if (!published.isEmpty()) {
          lineages.put(v, published.stream().map(m -> m.getOnnx().toByteArray()).toList());
        }
      }
      LabelledImages test = ctx.mnistTest();
      UpdateSizes.report(ctx, lineages, onnx -> (double) OnnxEvaluation.of(onnx, test).errors() / test.count(),
          "published by the trainer of " + student + " every " + versionEvery + " samples");
      Map<Variant, byte[]> newest = new EnumMap<>(Variant.class);
      long version = versions.isEmpty() ? 0 : versions.get(versions.size() - 1).getVersion();
      for (Variant v : Variant.values()) {
        p.versions(v.lineage(settings.studentModel())).stream().filter(m -> m.getVersion() == version).findFirst()
            .ifPresent(m -> newest.put(v, m.getOnnx().toByteArray()));
      }
      VariantInference.report(ctx, newest, test.floats(0, Math.min(INFERENCE_IMAGES, test.count())),
          test.pixelsPerImage(), student + " v" + version);
    } finally {
      poller.shutdownNow();
    }
  }

  /** Test images the inference rows cycle through. */
  private static final int INFERENCE_IMAGES = 1_000;

  /** The demo's stored teacher; where there is none, a small one trained now (a minute, not the demo's 10-20). */
  private static TeacherVersion teacher(BenchContext ctx) throws Exception {
    Optional<TeacherVersion> stored = TeacherCommand.store().latest(Dataset.MNIST.cliName());
    if (stored.isPresent()) {
      return stored.get();
    }
    String id = "bench-mnist";
    Optional<TeacherVersion> small = TeacherCommand.store().latest(id);
    if (small.isPresent()) {
      return small.get();
    }
    ctx.progress("no mnist teacher stored: training a small one (mlp:784-256-10, 1 epoch) as '%s'", id);
    int rc = Distill.commandLine().execute("teacher", "train", "--arch", "mlp:784-256-10", "--epochs", "1", "--id", id);
    if (rc != 0) {
      throw new IllegalStateException("training the bench's teacher failed (exit " + rc + ")");
    }
    ctx.report().note(FRESHNESS, "no demo teacher was stored: a small teacher (mlp:784-256-10, 1 epoch) scored");
    return TeacherCommand.store().latest(id).orElseThrow();
  }

  /** Every trained soft target as {partition, offset, event time ms}, in event-time order. */
  private static List<long[]> softTargets(Pipeline p) throws InterruptedException {
    List<long[]> out = new ArrayList<>();
    TopicFollower.Handler<String, SoftTarget> handler = new TopicFollower.Handler<>() {
      @Override
      public void record(String key, SoftTarget value, long offset) {
        throw new IllegalStateException("called with its partition");
      }

      @Override
      public void record(String key, SoftTarget value, int partition, long offset) {
        if (value != null && !SampleHash.heldOut(value.getSampleId(), Pipeline.VALIDATION_FRACTION)) {
          synchronized (out) {
            out.add(new long[] {partition, offset, value.getEventTimeMs()});
          }
        }
      }
    };
    try (TopicFollower<String, SoftTarget> f = TopicFollower.start(p.kafka(), p.kafka().topics().softTargets(),
        "bench-freshness", Map.of(), handler)) {
      if (!f.awaitCaughtUp(Duration.ofMinutes(2))) {
        throw new IllegalStateException("reading the soft targets back took over 2 minutes");
      }
    }
    synchronized (out) {
      out.sort((a, b) -> Long.compare(a[2], b[2]));
      return List.copyOf(out);
    }
  }

  private void report(BenchContext ctx, Pipeline.Settings s, double rate, List<ModelVersion> versions,
      List<long[]> targets, List<Poll> polls) {
    int n = targets.size();
    double[] published = new double[n];
    double[] first = new double[n];
    double[] all = new double[n];
    int reached = 0;
    for (long[] t : targets) {
      Optional<ModelVersion> v = coveringVersion(versions, (int) t[0], t[1]);
      long f = v.map(x -> firstTime(polls, x.getVersion(), 1)).orElse(-1L);
      long a = v.map(x -> firstTime(polls, x.getVersion(), s.devices())).orElse(-1L);
      if (f < 0 || a < 0) {
        continue;
      }
      published[reached] = (v.get().getCreatedAtMs() - t[2]) / 1000.0;
      first[reached] = (f - t[2]) / 1000.0;
      all[reached] = (a - t[2]) / 1000.0;
      reached++;
    }
    if (reached == 0) {
      ctx.report().note(FRESHNESS, "no trained sample reached a device: " + n + " soft targets, " + versions.size()
          + " published versions");
      return;
    }
    published = Arrays.copyOf(published, reached);
    first = Arrays.copyOf(first, reached);
    all = Arrays.copyOf(all, reached);
    String setup = String.format(Locale.ROOT, "%,d trained samples (%,d never reached a device) in 5 slices by send "
            + "time; %.0f samples/s, a version every %,d samples (or 5 s), %s, %d devices, 1 s waves", reached,
        n - reached, rate, s.versionEverySamples(), s.studentArchitecture(), s.devices());
    ctx.report().figure(FRESHNESS, "sample sent to its version published, p50", slices(published, 0.5), "s",
        setup + String.format(Locale.ROOT, "; whole run %.1f s", percentile(published, 0.5)), null, null);
    ctx.report().figure(FRESHNESS, "sample sent to the first device running it, p50", slices(first, 0.5), "s",
        String.format(Locale.ROOT, "whole run %.1f s", percentile(first, 0.5)), null, null);
    ctx.report().figure(FRESHNESS, "sample sent to the first device running it, p99", slices(first, 0.99), "s",
        String.format(Locale.ROOT, "whole run %.1f s", percentile(first, 0.99)), null, null);
    ctx.report().figure(FRESHNESS, "sample sent to every device running it, p99", slices(all, 0.99), "s",
        String.format(Locale.ROOT, "whole run %.1f s", percentile(all, 0.99)), null, null);
  }

  /** The first published version whose data range on the partition holds the offset. */
  static Optional<ModelVersion> coveringVersion(List<ModelVersion> versions, int partition, long offset) {
    for (ModelVersion v : versions) {
      for (OffsetRange r : v.getOffsetsList()) {
        if (r.getPartition() == partition && r.getFirstOffset() <= offset && offset <= r.getLastOffset()) {
          return Optional.of(v);
        }
      }
    }
    return Optional.empty();
  }

  /** When at least {@code devices} devices first ran version {@code v} or a later one; -1 for never. */
  static long firstTime(List<Poll> polls, long v, int devices) {
    for (Poll p : polls) {
      int count = p.perVersion().entrySet().stream().filter(e -> e.getKey() >= v).mapToInt(Map.Entry::getValue).sum();
      if (count >= devices) {
        return p.atMs();
      }
    }
    return -1;
  }

  /** The percentile of each fifth of the values (in their order), so the spread shows whether it drifts. */
  static double[] slices(double[] values, double q) {
    int k = Math.min(5, values.length);
    double[] out = new double[k];
    for (int i = 0; i < k; i++) {
      out[i] = percentile(Arrays.copyOfRange(values, i * values.length / k, (i + 1) * values.length / k), q);
    }
    return out;
  }

  static double percentile(double[] values, double q) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    // nearest rank: the smallest value with at least q of them at or below it
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
  }

  /** What the fleet ran at one moment: version to number of devices. */
  record Poll(long atMs, Map<Long, Integer> perVersion) {}
}
