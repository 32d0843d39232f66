package dev.distill.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code distill} command: one entry point for the demo, the services and the tools. */
@Command(
    name = "distill",
    mixinStandardHelpOptions = true,
    versionProvider = Distill.Version.class,
    description = "Streaming continual knowledge distillation on Kafka.",
    subcommands = {
      DemoCommand.class,
      KafkaCommand.class,
      DataCommand.class,
      ProduceCommand.class,
      TopicsCommand.class,
      ScorerCommand.class,
      PublisherCommand.class,
      DevicesCommand.class,
      RolloutCommand.class,
      AdminTokenCommand.class,
      KeysCommand.class,
      TeacherCommand.class,
      TrainerCommand.class,
      ExperimentCommand.class,
      GpuCheckCommand.class,
      BenchCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Distill implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static void main(String[] args) {
    Logging.configure(args);
    System.exit(commandLine().execute(args));
  }

  /** The configured command line; tests run commands through it too. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Distill());
    cl.setExecutionExceptionHandler((ex, line, parsed) -> {
      PrintWriter err = line.getErr();
      err.println(line.getColorScheme().errorText("distill: " + UserError.describe(ex)));
      if (!UserError.isExpected(ex)) {
        err.println("(details in " + Logging.logFile() + ")");
        org.slf4j.LoggerFactory.getLogger(Distill.class).error("command failed", ex);
      }
      return 1;
    });
    return cl;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Distill.class.getPackage().getImplementationVersion();
      return new String[] {"distill " + (v == null ? "dev" : v)};
    }
  }
}
