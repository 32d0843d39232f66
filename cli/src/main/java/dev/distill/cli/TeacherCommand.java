package dev.distill.cli;

import dev.distill.contract.data.Dataset;
import dev.distill.contract.data.Datasets;
import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.data.Split;
import dev.distill.contract.model.Architecture;
import dev.distill.contract.model.TeacherStore;
import dev.distill.contract.model.TeacherVersion;
import dev.distill.trainer.engine.TrainingEngine;
import dev.distill.trainer.teacher.TeacherOptions;
import dev.distill.trainer.teacher.TeacherResult;
import dev.distill.trainer.teacher.TeacherTrainer;
import dev.distill.trainer.teacher.TrainingProgress;
import java.io.PrintStream;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "teacher", mixinStandardHelpOptions = true,
    description = "Import or train the teachers that label the stream, list them, and push them to the scorers "
        + "through Kafka.",
    subcommands = {TeacherImportCommand.class, TeacherCommand.Train.class, TeacherCommand.ListTeachers.class,
        TeacherPushCommand.class})
final class TeacherCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Where teachers are published and the scorer finds them: {@code $DISTILL_HOME/teachers}. */
  static TeacherStore store() {
    return new TeacherStore(Paths.home().resolve("teachers"));
  }

  @Command(name = "train", mixinStandardHelpOptions = true,
      description = "Train a teacher on a data set's training split, count its errors on the test split and "
          + "publish it to $DISTILL_HOME/teachers/<id>/v<N>.")
  static final class Train implements Callable<Integer> {
    @Option(names = "--dataset", paramLabel = "NAME", defaultValue = "mnist", description = "mnist or fashion-mnist (default: ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--arch", paramLabel = "SPEC",
        description = "Network, e.g. mlp:784-1200-1200-10 or cnn:28x28-c32-c64-f256-10 (default: cnn:28x28-c16-c32-f128-10).")
    String arch;

    @Option(names = "--dropout", paramLabel = "RATE",
        description = "Dropout after each hidden dense layer (default: 0.3 for a cnn, 0.5 for an mlp).")
    Float dropout;

    @Option(names = "--ensemble", paramLabel = "K", description = "Train K members with seeds S..S+K-1 (default: 1).")
    int ensemble = 1;

    @Option(names = "--epochs", paramLabel = "E", description = "Passes over the training split (default: "
        + TeacherOptions.DEFAULT_EPOCHS + ").")
    int epochs = TeacherOptions.DEFAULT_EPOCHS;

    @Option(names = "--batch", paramLabel = "B", description = "Minibatch size (default: "
        + TeacherOptions.DEFAULT_BATCH_SIZE + ").")
    int batch = TeacherOptions.DEFAULT_BATCH_SIZE;

    @Option(names = "--lr", paramLabel = "X", description = "Adam's initial learning rate, decayed along a cosine "
        + "(default: " + TeacherOptions.DEFAULT_LEARNING_RATE + ").")
    float learningRate = TeacherOptions.DEFAULT_LEARNING_RATE;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the weights, order and shifts (default: "
        + TeacherOptions.DEFAULT_SEED + ").")
    int seed = TeacherOptions.DEFAULT_SEED;

    @Option(names = "--jitter", negatable = true, defaultValue = "" + TeacherOptions.DEFAULT_JITTER,
        fallbackValue = "true",
        description = "Shift training images randomly by up to 2 pixels (default: ${DEFAULT-VALUE}).")
    boolean jitter;

    @Option(names = "--id", paramLabel = "ID", description = "Teacher id in the store (default: the data set's name).")
    String id;

    @Override
    public Integer call() throws Exception {
      Dataset d = Dataset.parse(dataset);
      TeacherOptions.Builder builder = TeacherOptions.builder(d).optMembers(ensemble).optEpochs(epochs)
          .optBatchSize(batch).optLearningRate(learningRate).optSeed(seed).optJitter(jitter);
      if (arch != null) {
        builder.optArchitecture(Architecture.parse(arch));
      }
      if (dropout != null) {
        builder.optDropout(dropout);
      }
      if (id != null) {
        builder.optTeacherId(id);
      }
      TeacherOptions options = builder.build();
      Datasets.ensureAvailable(d);
      LabelledImages train = Datasets.load(d, Split.TRAIN);
      LabelledImages test = Datasets.load(d, Split.TEST);

      PrintStream out = System.out;
      TrainingEngine engine = TrainingEngine.start();
      out.printf(Locale.ROOT, "training teacher '%s': %s on %s, %d member(s) x %d epochs, batch %d, Adam %s "
              + "(cosine), dropout %s, jitter %s%n", options.teacherId(), options.architecture(), d.cliName(),
          options.members(), options.epochs(), options.batchSize(), options.learningRate(), options.dropout(),
          options.jitter() ? "on" : "off");
      out.println("engine: " + engine.description());

      long total = (long) train.count() * options.epochs() * options.members();
      Progress progress = new Progress(out, "teacher", total);
      boolean tty = System.console() != null;
      TrainingProgress.Listener listener = p -> {
        progress.update(p.samples());
        if (p.epochDone()) {
          if (tty) {
            out.print("\r\u001b[K"); // the epoch line replaces the progress line, which redraws below it
          }
          out.printf(Locale.ROOT, "member %d/%d epoch %d/%d: training loss %.4f (%s)%n", p.member() + 1,
              p.members(), p.epoch(), p.epochs(), p.loss(), Progress.clock(p.elapsed().toSeconds()));
          if (p.samples() == p.totalSamples()) {
            progress.finish(p.samples());
          }
        }
      };
      TeacherResult result = new TeacherTrainer(engine, store(), Clock.systemUTC())
          .train(options, train, test, listener);

      out.printf(Locale.ROOT, "test errors: %,d of %,d (%.2f%% accuracy)%s%n", result.testErrors(),
          result.testCount(), 100.0 * (result.testCount() - result.testErrors()) / result.testCount(),
          result.memberErrors().size() > 1 ? "; members: " + result.memberErrors().stream().map(String::valueOf)
              .collect(Collectors.joining(", ")) : "");
      out.printf(Locale.ROOT, "time: %s (%d s) on %s%n", Progress.clock(result.elapsed().toSeconds()),
          result.elapsed().toSeconds(), result.engine());
      out.printf(Locale.ROOT, "stored: %s (teacher %s, version %d)%n", result.published().dir(),
          result.published().teacherId(), result.published().version());
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "List the stored teachers, their versions and test errors.")
  static final class ListTeachers implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      TeacherStore store = store();
      List<String> ids = store.teacherIds();
      PrintStream out = System.out;
      if (ids.isEmpty()) {
        out.println("no teachers in " + store.root() + "; train one with `distill teacher train --dataset mnist`");
        return 0;
      }
      String format = "%-14s %-7s %-30s %-7s %-18s %-8s %s%n";
      out.printf(Locale.ROOT, format, "TEACHER", "VERSION", "ARCHITECTURE", "MEMBERS", "TEST ERRORS", "SECONDS",
          "CREATED");
      for (String id : ids) {
        for (TeacherVersion v : store.versions(id)) {
          Map<String, String> info = v.info();
          // an imported teacher has no architecture we know: its inputs say what it takes
          String shape = info.getOrDefault("architecture", v.manifest().inputs().stream()
              .map(i -> i.spec().toString()).collect(Collectors.joining(" ")));
          out.printf(Locale.ROOT, format, id, "v" + v.version(), shape, v.members().size(), errors(info),
              info.getOrDefault("train_seconds", "-"), info.getOrDefault("created_at", info.getOrDefault("imported_at", "?")));
        }
      }
      out.println("(in " + store.root() + ")");
      return 0;
    }

    private static String errors(Map<String, String> info) {
      String errors = info.getOrDefault("test_errors", "?");
      String count = info.get("test_count");
      return count == null ? errors : errors + " / " + count;
    }
  }

  /** Whether a teacher takes the old {@code pixels [N, D]} raw floats (its scaling inside its graph), as trained ones do. */
  static boolean isPixelsTeacher(TeacherVersion t) {
    var inputs = t.manifest().inputs();
    return inputs.size() == 1 && inputs.get(0).name().equals(dev.distill.contract.model.ModelInterface.INPUT)
        && inputs.get(0).preprocess().isIdentity();
  }

  /** The stored teacher of the data set; trains one on first use. */
  static TeacherVersion storedOrTrained(Dataset d) throws Exception {
    var stored = TeacherCommand.store().latest(d.cliName());
    if (stored.isPresent()) {
      TeacherVersion t = stored.get();
      System.out.println("teacher: reusing " + d.cliName() + " v" + t.version() + " ("
          + t.info().getOrDefault("architecture", "?") + ", " + t.info().getOrDefault("test_errors", "?")
          + " test errors; stored in " + t.dir() + ")");
      return t;
    }
    System.out.println("teacher: none stored yet, training one now (once: later runs reuse it; "
        + "about 10-20 minutes on 2 cores)");
    int rc = Distill.commandLine().execute("teacher", "train", "--dataset", d.cliName());
    if (rc != 0) {
      throw new UserError("could not train the teacher; see " + Logging.logFile());
    }
    return TeacherCommand.store().latest(d.cliName()).orElseThrow();
  }
}
