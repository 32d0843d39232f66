package dev.distill.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** One {@code distill ...} run in this JVM, with what it printed. */
record CliRun(int rc, String out, String err) {
  static CliRun of(String... args) {
    CommandLine cli = Distill.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return new CliRun(cli.execute(args), out.toString(), err.toString());
  }
}
