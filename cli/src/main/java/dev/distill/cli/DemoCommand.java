package dev.distill.cli;

import dev.distill.cli.demo.DemoResults;
import dev.distill.cli.demo.HeldOut;
import dev.distill.cli.demo.Pipeline;
import dev.distill.cli.report.ReportWriter;
import dev.distill.client.sim.Fleet;
import dev.distill.contract.data.DataHome;
import dev.distill.contract.data.Dataset;
import dev.distill.contract.data.DatasetFetcher;
import dev.distill.contract.data.Datasets;
import dev.distill.contract.data.FetchResult;
import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.data.Split;
import dev.distill.contract.model.Architecture;
import dev.distill.contract.model.TeacherVersion;
import dev.distill.contract.model.Variant;
import dev.distill.contract.proto.Rollout;
import dev.distill.platform.ingest.DatasetProducer;
import dev.distill.platform.lifecycle.GracefulShutdown;
import dev.distill.trainer.service.TrainerSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The whole system on this machine: data, a real Kafka broker, the three services and a
 * simulated fleet (wired by {@link Pipeline}), a live status block, a results table and a
 * report folder.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run the whole system on this machine: embedded Kafka broker, teacher-scorer, student-trainer "
        + "(distilled student and a hard-label baseline), edge-publisher and a simulated device fleet; print "
        + "the results and write a report folder.")
final class DemoCommand implements Callable<Integer> {
  /** The rollout is judged on devices' accuracy over 500 images each: a few waves take about a minute. */
  private static final Duration FLEET_WAIT = Duration.ofMinutes(4);
  /** Nothing scored or trained for this long means a part is stuck: say so rather than wait forever. */
  private static final Duration STALL = Duration.ofMinutes(5);
  /**
   * Versions come every N samples, counted in whole batches, so the last few hundred samples of
   * a run are committed by the trainer's timer: shorter than its 60 s default so the end of the
   * run does not idle, long enough that a busy machine still versions by samples.
   */
  private static final Duration TAIL_COMMIT = Duration.ofSeconds(30);

  @Option(names = "--dataset", defaultValue = "mnist", description = "mnist or fashion-mnist (default: ${DEFAULT-VALUE}).")
  String dataset;

  @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "Stream at most N samples; 0 = the whole training split.")
  long limit;

  @Option(names = "--devices", defaultValue = "20", paramLabel = "N", description = "Simulated devices (default: ${DEFAULT-VALUE}).")
  int devices;

  @Option(names = "--student", defaultValue = TrainerSettings.DEFAULT_ARCHITECTURE, paramLabel = "SPEC",
      description = "Both students' network (default: ${DEFAULT-VALUE}; " + TrainerSettings.EDGE_ARCHITECTURE
          + " is a small edge student).")
  String student;

  @Option(names = "--teacher", paramLabel = "ID", description = "Teacher id in the store, e.g. one brought with "
      + "`distill teacher import` (default: the data set's name; trained on first use).")
  String teacherId;

  @Option(names = "--report", paramLabel = "DIR",
      description = "Report folder (default: $DISTILL_HOME/reports/demo-<date>-<time>).")
  Path report;

  @Option(names = "--variants", defaultValue = "fp32,fp16,int8,qdelta", split = ",", paramLabel = "IDS",
      description = "The distilled student's variants the devices run, dealt round robin, and the trainer publishes "
          + "besides fp32 (default: ${DEFAULT-VALUE}; fp32 alone is the single full-precision fleet).")
  List<String> variants;

  @Option(names = "--follow", description = "Keep everything running after the results, for more samples (Ctrl-C stops).")
  boolean follow;

  @Override
  public Integer call() throws Exception {
    Dataset d = Dataset.parse(dataset);
    Architecture.parse(student); // a wrong spec fails here, before anything starts
    if (devices < 1) {
      throw new UserError("--devices must be at least 1");
    }
    List<Variant> chosen = variants(variants, devices);
    long started = System.nanoTime();
    System.out.println("distill demo: " + d.cliName() + " through a real Kafka broker, the three services and "
        + devices + " simulated devices on this machine, running " + chosen.stream().map(Variant::id)
        .collect(Collectors.joining(", ")));
    System.out.println("logs:    " + Logging.logFile());

    DataHome home = DataHome.resolve();
    FetchResult fetched = new DatasetFetcher(home).fetch(d, Optional.empty());
    System.out.println("data:    " + fetched.summary());
    LabelledImages train = Datasets.load(home, d, Split.TRAIN);
    LabelledImages test = Datasets.load(home, d, Split.TEST);
    TeacherVersion teacher = teacherId == null ? TeacherCommand.storedOrTrained(d)
        : TeacherCommand.store().latest(teacherId).orElseThrow(() -> new UserError("no teacher '" + teacherId
            + "' in " + TeacherCommand.store().root() + "; see `distill teacher list`"));
    long total = limit <= 0 ? train.count() : Math.min(limit, train.count());
    Path reportDir = Paths.report(report, "demo");

    // a teacher of the pixels interface scales in its graph; any other's students take its inputs
    Optional<Path> manifest = TeacherCommand.isPixelsTeacher(teacher) ? Optional.empty()
        : Optional.of(teacher.dir().resolve(dev.distill.contract.model.TeacherManifest.FILE));
    Pipeline.Settings settings = new Pipeline.Settings(d, devices, student, versionEvery(total),
        TAIL_COMMIT, Duration.ofSeconds(1), Paths.demo(), TeacherCommand.store().root(), teacher.teacherId(), manifest,
        chosen);
    LabelledImages deviceData = HeldOut.images(train, total, Pipeline.VALIDATION_FRACTION);
    System.out.printf(Locale.ROOT, "plan:    stream %,d training samples; both students consider a version every "
        + "%,d samples; devices get the distilled one%n", total, settings.versionEverySamples());
    GracefulShutdown shutdown = GracefulShutdown.onSignal("demo", Duration.ofSeconds(30));
    // set at once on Ctrl-C (hooks run together), while the parts close one after the other
    AtomicBoolean interrupted = new AtomicBoolean();
    Thread ctrlC = new Thread(() -> interrupted.set(true), "demo-ctrl-c");
    Runtime.getRuntime().addShutdownHook(ctrlC);
    Pipeline pipeline = null;
    StatusBlock status = null;
    try {
      System.out.println("starting, in this process (each part is the service itself):");
      pipeline = Pipeline.start(settings, deviceData, shutdown, line -> System.out.println("  " + line));
      Pipeline p = pipeline;
      StatusBlock block = new StatusBlock(System.out, () -> lines(p, total, started), () -> oneLine(p, total, started));
      status = block;
      shutdown.register("status", () -> {
        block.close();
        System.out.println("stopping the services ...");
      });

      DatasetProducer.Summary sent = pipeline.produce(train, total, n -> { });
      block.println(String.format(Locale.ROOT, "streamed %,d samples into the broker in %.1f s (%,.0f/s)",
          sent.sent(), sent.elapsedMillis() / 1000.0, sent.ratePerSecond()));
      pipeline.awaitTrained(sent.sent(), STALL);
      block.println("scored and trained: both students committed every sample (" + since(started) + ")");
      block.println("waiting for every device to run the newest version (at most " + FLEET_WAIT.toMinutes()
          + " min) ...");
      Optional<String> fleetProblem = pipeline.awaitFleet(FLEET_WAIT);
      block.close();

      Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
      System.out.println("evaluating every published version's ONNX file on the test split ...");
      DemoResults results = DemoResults.compute(pipeline, teacher, test, sent.sent(), elapsed, fleetProblem);
      System.out.println();
      System.out.println(results.report().title() + " (" + Progress.clock(elapsed.toSeconds()) + ")");
      results.preamble().forEach(System.out::println);
      ReportWriter.printTable(results.report(), System.out);
      System.out.println();
      results.summary().forEach(System.out::println);
      ReportWriter.write(results.report(), reportDir);
      System.out.println("report:  " + reportDir + " (" + ReportWriter.CHART + ", " + ReportWriter.JSON + ", "
          + ReportWriter.MARKDOWN + ", models/)");
      if (follow) {
        System.out.println("following: the pipeline keeps running; stream more with `./distill produce "
            + "--bootstrap-servers " + pipeline.bootstrapServers() + " --split test`. Ctrl-C stops.");
        StatusBlock more = new StatusBlock(System.out, () -> lines(p, total, started),
            () -> oneLine(p, total, started));
        shutdown.register("follow-status", more);
        shutdown.await();
      }
      return fleetProblem.isPresent() ? 1 : 0;
    } catch (Exception e) {
      if (interrupted.get()) {
        return 130; // Ctrl-C: what failed here failed because the parts are closing
      }
      if (e instanceof Pipeline.PipelineException) {
        throw new UserError(e.getMessage() + " (details in " + Logging.logFile() + ")");
      }
      throw e;
    } finally {
      if (status != null) {
        status.close();
      }
      shutdown.close();
      if (!interrupted.get()) {
        Runtime.getRuntime().removeShutdownHook(ctrlC);
      }
    }
  }

  /** The ids of {@code --variants}, each once; a bad id or too few devices to run them all is the user's error. */
  static List<Variant> variants(List<String> ids, int devices) {
    Set<Variant> out = new LinkedHashSet<>();
    for (String id : ids) {
      try {
        out.add(Variant.parse(id));
      } catch (IllegalArgumentException e) {
        throw new UserError("--variants: " + e.getMessage());
      }
    }
    if (out.isEmpty()) {
      throw new UserError("--variants: name at least one of fp32, fp16, int8, qdelta");
    }
    if (devices < out.size()) {
      throw new UserError("--devices " + devices + " cannot run " + out.size() + " variants: each needs a device");
    }
    return List.copyOf(out);
  }

  private static String since(long started) {
    return Progress.clock(Duration.ofNanos(System.nanoTime() - started).toSeconds());
  }

  /**
   * About six versions per run, at a round number of samples: 60,000 samples give a version every
   * 10,000 (the trainer's default), 20,000 every 2,500; never under 500 (each version is
   * evaluated on the whole test split).
   */
  static long versionEvery(long total) {
    long target = Math.max(500, total / 6);
    long best = 500;
    for (long magnitude = 100; magnitude <= target; magnitude *= 10) {
      for (long m : new long[] {10, 20, 25, 50}) {
        long candidate = m * magnitude / 10;
        if (candidate <= target) {
          best = Math.max(best, candidate);
        }
      }
    }
    return best;
  }

  private static List<String> lines(Pipeline p, long total, long started) {
    Pipeline.Status s = p.status();
    List<String> out = new ArrayList<>();
    out.add(String.format(Locale.ROOT, "  stream     produced %,d/%,d  scored %,d%s", s.produced(), total, s.scored(),
        s.deadLetters() > 0 ? String.format(Locale.ROOT, "  dead letters %,d", s.deadLetters()) : ""));
    out.add("  student    " + trainer(s.student()));
    out.add("  baseline   " + trainer(s.baseline()));
    out.add("  rollout    " + rollout(s.rollout()));
    s.fleets().forEach((v, f) -> out.add(String.format(Locale.ROOT, "  fleet %-5s%s", v.id(), fleet(f))));
    out.add("  elapsed    " + since(started));
    return out;
  }

  private static String oneLine(Pipeline p, long total, long started) {
    Pipeline.Status s = p.status();
    return String.format(Locale.ROOT, "[%s] produced %,d/%,d scored %,d | student %,d v%d | baseline %,d v%d | %s",
        since(started), s.produced(), total,
        s.scored(), s.student().samplesTrained(), s.student().publishedVersion(), s.baseline().samplesTrained(),
        s.baseline().publishedVersion(), s.fleets().entrySet().stream()
            .map(e -> e.getKey().id() + " " + fleet(e.getValue())).collect(Collectors.joining(" | ")));
  }

  private static String trainer(dev.distill.trainer.service.Progress t) {
    String validation = Double.isNaN(t.publishedValidationAccuracy()) ? ""
        : String.format(Locale.ROOT, " (validation slice %.2f%%)", 100 * t.publishedValidationAccuracy());
    return String.format(Locale.ROOT, "trained %,d  committed %,d  published %s%s%s", t.samplesTrained(),
        t.committedSamples(), t.publishedVersion() == 0 ? "none yet" : "v" + t.publishedVersion(), validation,
        t.rejected() > 0 ? "  rejected " + t.rejected() : "");
  }

  private static String rollout(Optional<Rollout> r) {
    if (r.isEmpty()) {
      return "waiting for a first version";
    }
    Rollout x = r.get();
    String state = x.getState() == Rollout.State.ACTIVE
        ? "wave " + (x.getCurrentWave() + 1) + "/" + x.getWavesCount()
        : x.getState().name().toLowerCase(Locale.ROOT).replace('_', ' ');
    return "v" + x.getTargetVersion() + " " + state;
  }

  private static String fleet(Fleet.Snapshot f) {
    Map<Long, Integer> per = f.devicesPerVersion();
    return f.devices() + " devices: " + per.entrySet().stream()
        .sorted(Map.Entry.<Long, Integer>comparingByKey().reversed())
        .map(e -> (e.getKey() == 0 ? "none" : "v" + e.getKey()) + " x" + e.getValue())
        .collect(Collectors.joining(", "));
  }
}
