package dev.distill.cli;

import dev.distill.contract.model.TeacherVersion;
import dev.distill.platform.config.ConfigReader;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.scorer.sync.TeacherPush;
import dev.distill.scorer.sync.TeacherPushException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

// no standard help options: their -V/--version would take the --version a user gives for a teacher version
@Command(name = "push",
    description = {"Publish a stored teacher version (default: the newest) to the teacher topic (<prefix>.teachers), "
        + "in chunks with its commit last.",
        "Scorers running with DISTILL_TEACHER_SYNC=true install it into their own teacher store, verified by "
            + "sha256, and swap it in: no shared volume needed. Pushing a version again is harmless."},
    footer = {"", "Example:", "  distill teacher push --id mnist --bootstrap-servers kafka:9092"})
final class TeacherPushCommand implements Callable<Integer> {
  @Mixin KafkaOptions kafka;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
  boolean help;

  @Option(names = "--id", required = true, paramLabel = "ID", description = "Teacher id in the store, e.g. mnist.")
  String id;

  @Option(names = "--version", paramLabel = "N", description = "The version to push (default: the newest).")
  Integer version;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s",
      description = "How long to wait for Kafka to answer (default: ${DEFAULT-VALUE}).")
  String timeout;

  @Override
  public Integer call() {
    Duration wait = ConfigReader.parseDuration(timeout);
    if (wait.isNegative() || wait.isZero()) {
      throw new UserError("--timeout must be positive, got " + timeout);
    }
    TeacherVersion v;
    TeacherPush.Summary sent;
    KafkaSettings settings = kafka.settings();
    PrintStream out = System.out;
    try {
      v = TeacherPush.find(TeacherCommand.store(), id,
          version == null ? OptionalInt.empty() : OptionalInt.of(version));
      out.printf(Locale.ROOT, "pushing teacher '%s' v%d from %s to %s.teachers at %s%n", v.teacherId(),
          v.version(), v.dir(), settings.topicPrefix(), settings.bootstrapServers());
      sent = new TeacherPush(settings, wait).push(v);
    } catch (TeacherPushException e) {
      throw new UserError(e.getMessage());
    }
    for (TeacherPush.PushedFile f : sent.files()) {
      out.printf(Locale.ROOT, "  %-24s %,14d bytes  %4d chunk(s)  sha256 %s%n", f.name(), f.length(), f.chunks(),
          f.sha256());
    }
    out.printf(Locale.ROOT, "pushed %d file(s), %,d bytes in %d chunk(s) and a commit (%d records) to %s%n",
        sent.files().size(), sent.bytes(), sent.chunks(), sent.records(), sent.topic());
    out.println("scorers with DISTILL_TEACHER_SYNC=true and DISTILL_TEACHER_ID=" + v.teacherId()
        + " install it and swap it in");
    return 0;
  }
}
