package dev.distill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/** `--help` works the same on every command a user can type: usage on stdout, exit code 0. */
class HelpTest {
  static Stream<String> commands() {
    List<String> paths = new ArrayList<>();
    collect(Distill.commandLine(), "", paths);
    return paths.stream();
  }

  private static void collect(CommandLine c, String prefix, List<String> out) {
    c.getSubcommands().forEach((name, sub) -> {
      if (!name.equals("help") && !sub.getCommandSpec().usageMessage().hidden()) {
        String path = (prefix + " " + name).trim();
        out.add(path);
        collect(sub, path, out);
      }
    });
  }

  @ParameterizedTest(name = "distill {0} --help")
  @MethodSource("commands")
  void helpPrintsTheUsageAndExitsZero(String command) {
    CommandLine cli = Distill.commandLine();
    StringWriter out = new StringWriter();
    cli.setOut(new PrintWriter(out));
    List<String> args = new ArrayList<>(List.of(command.split(" ")));
    args.add("--help");
    int rc = cli.execute(args.toArray(String[]::new));
    assertThat(rc).as("exit code; printed:%n%s", out).isZero();
    assertThat(out.toString()).startsWith("Usage: distill " + command);
  }
}
