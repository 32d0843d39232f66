package dev.distill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.contract.data.DataHome;
import dev.distill.contract.data.Dataset;
import dev.distill.contract.data.Datasets;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code distill} commands as a user would, in a data home of the test's own (teachers,
 * broker data, reports) that links to the machine's MNIST download instead of fetching it again.
 */
abstract class IsolatedHome {
  @TempDir Path home;
  private String previousHome;

  @BeforeEach
  void ownDataHomeThatReusesTheMachinesMnist() throws Exception {
    Datasets.ensureAvailable(Dataset.MNIST); // into the real data home, once per machine
    Path mnist = DataHome.resolve().datasetDir(Dataset.MNIST);
    Files.createDirectories(home.resolve("data"));
    Files.createSymbolicLink(home.resolve("data").resolve(Dataset.MNIST.cliName()), mnist);
    previousHome = System.setProperty(DataHome.PROPERTY, home.toString());
  }

  @AfterEach
  void restoreDataHome() {
    if (previousHome == null) {
      System.clearProperty(DataHome.PROPERTY);
    } else {
      System.setProperty(DataHome.PROPERTY, previousHome);
    }
  }

  /** Runs the command, asserts it succeeded and returns what it printed. */
  static String run(String... args) {
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    int rc;
    try {
      rc = Distill.commandLine().execute(args);
    } finally {
      System.setOut(old);
    }
    String out = buf.toString(StandardCharsets.UTF_8);
    assertThat(rc).as("exit code of distill %s; it printed:%n%s", String.join(" ", args), out).isZero();
    return out;
  }

  /** A teacher in seconds rather than the default CNN's minutes: one epoch of a small MLP. */
  static void quickTeacher() {
    run("teacher", "train", "--dataset", "mnist", "--arch", "mlp:784-128-10", "--epochs", "1");
  }
}
