package dev.distill.bench.trainer;

import dev.distill.bench.BenchContext;
import dev.distill.bench.Interleaved;
import dev.distill.bench.Paired;
import dev.distill.bench.Section;
import dev.distill.bench.Trial;
import dev.distill.contract.data.LabelledImages;
import dev.distill.kafka.EmbeddedKafka;
import dev.distill.trainer.engine.EngineSettings;
import dev.distill.trainer.engine.TrainingEngine;
import dev.distill.trainer.service.TrainerSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The trainer's rows: for the demo's student and a small one, the trainer service reading the
 * soft-targets topic ÷ the raw DJL loop of its own step (goal: at least 0.9), and that raw loop
 * ÷ the same loop in plain PyTorch (Debian's {@code python3-torch}, when installed).
 *
 * <p>Each round runs the three sides back to back, the order reversed every round (R S T, T S R,
 * ...), so each pair of sides swaps order every round, as {@link dev.distill.bench.Interleaved}
 * does for two; the raw side of a round is shared by both ratios. Every side has the same
 * PyTorch thread budget: one intra-op thread per core, one inter-op thread.
 */
public final class TrainerSection implements Section {
  /**
   * Fresh samples a service trial trains before its window opens, and in the window (each raw
   * and PyTorch trial trains the window's count). The service considers a candidate every 10,000
   * soft targets (9,500 trained, 5% held out): a full run's warm-up holds the first candidate
   * (start-up, JIT, the first publication) and its window whole candidates; a quick run's window
   * may hold none, which is why its figures are a smoke test only.
   */
  record Size(long warmUp, long samples) {}

  record Student(String name, String architecture, Size quick, Size full) {
    Size size(boolean quick) {
      return quick ? this.quick : full;
    }
  }

  static final List<Student> STUDENTS = List.of(
      new Student("demo", TrainerSettings.DEFAULT_ARCHITECTURE, new Size(1_000, 2_000), new Size(10_500, 19_000)),
      new Student("small", TrainerSettings.EDGE_ARCHITECTURE, new Size(1_000, 6_000), new Size(10_500, 28_500)));

  @Override
  public String name() {
    return "trainer";
  }

  @Override
  public void run(BenchContext ctx) throws Exception {
    int threads = Runtime.getRuntime().availableProcessors();
    TrainingEngine engine = TrainingEngine.start(new EngineSettings(EngineSettings.defaults().cacheDir(), threads, 1));
    LabelledImages train = ctx.mnistTrain();
    TorchLoop.Probe torch = TorchLoop.probe();
    Optional<Path> script = TorchLoop.script();
    if (torch.python().isEmpty()) {
      ctx.report().note(name(), "raw DJL ÷ PyTorch not measured: no python3 here imports torch (" + torch.detail()
          + "); on Debian: apt-get install python3-torch libopenblas0-pthread");
    } else if (script.isEmpty()) {
      ctx.report().note(name(), "raw DJL ÷ PyTorch not measured: " + TorchLoop.SCRIPT
          + " not found above the working directory");
    }
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(ctx.scratch("trainer-kafka")).port(0)
        .controllerPort(0).build().start()) {
      for (Student student : STUDENTS) {
        Size size = student.size(ctx.quick());
        // enough soft targets for a service trial, whose held-out 5% are read but not trained
        long records = (long) ((size.warmUp() + size.samples()) * 1.1) + 1_000;
        Map<String, String> env = new HashMap<>();
        env.put("DISTILL_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("DISTILL_TOPIC_PREFIX", "bench-" + student.name());
        env.put("DISTILL_TRAINER_ARCHITECTURE", student.architecture());
        env.put("DISTILL_TRAINER_THREADS", Integer.toString(threads));
        TrainerSettings settings = ServiceTrial.settings(env, "bench-" + student.name());
        ctx.progress("%s student %s: %,d soft targets to the topic", student.name(), student.architecture(), records);
        SoftTargetFeed.produce(settings, train, records);
        measure(ctx, student, size, engine, settings, env, train,
            torch.python().isPresent() ? script : Optional.empty(), torch.python().orElse(null), threads);
      }
    }
    ctx.report().note(name(), String.format(Locale.ROOT, "trainer = the trainer service (defaults but threads) in "
        + "the bench's JVM on an embedded broker, fresh samples/s from its own count over the window after a warm-up "
        + "(%s); raw DJL = its StudentLearner step on in-memory batches (32 fresh + 8 replayed rows, Adam, "
        + "distillation loss) on %s; PyTorch = %s running the same step; %d intra-op / 1 inter-op threads each; "
        + "the broker runs in the bench's JVM, so its work serving the trainer counts against the trainer here",
        sizes(ctx.quick()), engine.engineName(), TorchLoop.SCRIPT, threads));
  }

  private static String sizes(boolean quick) {
    StringBuilder out = new StringBuilder();
    for (Student s : STUDENTS) {
      Size size = s.size(quick);
      out.append(out.isEmpty() ? "" : "; ").append(String.format(Locale.ROOT, "%s: window %,d after %,d", s.name(),
          size.samples(), size.warmUp()));
    }
    return out.toString();
  }

  private void measure(BenchContext ctx, Student student, Size size, TrainingEngine engine, TrainerSettings settings,
      Map<String, String> env, LabelledImages train, Optional<Path> script, String python, int threads)
      throws Exception {
    long samples = size.samples();
    ServiceTrial service = new ServiceTrial(env);
    try (RawLoop raw = new RawLoop(engine, settings, train);
         TorchLoop torch = script.isEmpty() ? null : TorchLoop.start(python, script.get(),
             student.architecture().substring(student.architecture().indexOf(':') + 1),
             settings.batchSize() + SoftTargetFeed.replayedRows(settings), settings.batchSize(), threads,
             settings.alpha(), settings.learningRate().base())) {
      List<Trial> sides = new ArrayList<>();
      sides.add(() -> progress(ctx, student, "raw DJL", raw.samplesPerSecond(samples)));
      sides.add(() -> progress(ctx, student, "trainer", service.samplesPerSecond(student.name(), size.warmUp(), samples)));
      if (torch != null) {
        sides.add(() -> progress(ctx, student, "PyTorch", torch.samplesPerSecond(samples)));
      }
      double[][] rounds = Interleaved.inTurn(ctx.rounds(), sides, (r, f) -> { });
      String row = student.name() + " " + student.architecture() + ", batch " + settings.batchSize();
      ctx.report().ratio(name(), "trainer from the topic ÷ raw DJL loop, " + row, new Paired(rounds[1], rounds[0]),
          "trainer", "raw DJL", "fresh samples/s", 0.9);
      if (torch != null) {
        ctx.report().ratio(name(), "raw DJL ÷ PyTorch " + torch.version() + ", " + row,
            new Paired(rounds[0], rounds[2]), "raw DJL", "PyTorch", "fresh samples/s", null);
      }
    }
  }

  private static double progress(BenchContext ctx, Student student, String side, double rate) {
    ctx.progress("%s %s: %,.0f fresh samples/s", student.name(), side, rate);
    return rate;
  }
}
