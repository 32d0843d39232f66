package dev.distill.cli.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.cli.Distill;
import dev.distill.contract.data.DataHome;
import dev.distill.contract.data.Dataset;
import dev.distill.contract.data.Datasets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A data home of the test's own for the child services: the machine's MNIST linked in, and a teacher trained in seconds. */
final class TestHome {
  private TestHome() {}

  static void prepare(Path home) throws Exception {
    Datasets.ensureAvailable(Dataset.MNIST);
    Path data = Files.createDirectories(home.resolve("data"));
    Files.createSymbolicLink(data.resolve(Dataset.MNIST.cliName()), DataHome.resolve().datasetDir(Dataset.MNIST));
    String previousHome = System.setProperty(DataHome.PROPERTY, home.toString());
    try {
      // one epoch of a small MLP, into this home's teacher store
      assertThat(Distill.commandLine().execute("teacher", "train", "--dataset", "mnist", "--arch", "mlp:784-128-10",
          "--epochs", "1")).isZero();
    } finally {
      if (previousHome == null) {
        System.clearProperty(DataHome.PROPERTY);
      } else {
        System.setProperty(DataHome.PROPERTY, previousHome);
      }
    }
  }
}
