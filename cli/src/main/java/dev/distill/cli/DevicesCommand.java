package dev.distill.cli;

import dev.distill.client.sim.Fleet;
import dev.distill.contract.data.Dataset;
import dev.distill.contract.data.DataHome;
import dev.distill.contract.data.Datasets;
import dev.distill.contract.data.Split;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "devices", mixinStandardHelpOptions = true, description = "Simulated edge devices.",
    subcommands = {DevicesCommand.Simulate.class, DevicesCommand.Remove.class})
final class DevicesCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "simulate", mixinStandardHelpOptions = true, description =
      "Run N simulated devices against a publisher: each installs what it is assigned, classifies its slice "
          + "of the MNIST test set with it and reports its accuracy. Prints devices per version until Ctrl-C.")
  static final class Simulate implements Callable<Integer> {
    @Option(names = "--count", defaultValue = "20", description = "devices (default ${DEFAULT-VALUE})")
    int count;

    @Option(names = "--publisher", defaultValue = "http://localhost:8090", description = "the publisher's device API (default ${DEFAULT-VALUE})")
    URI publisher;

    @Option(names = "--admin", defaultValue = "http://localhost:8091",
        description = "the publisher's admin API, which registers the devices (default ${DEFAULT-VALUE})")
    URI admin;

    @Option(names = "--admin-token", required = true, description = "the publisher's admin token (registers the devices)")
    String adminToken;

    @Option(names = "--model", defaultValue = "mnist-student", description = "model the devices run (default ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--id-prefix", defaultValue = "sim-", description = "device ids are PREFIX0..PREFIXN-1")
    String idPrefix;

    @Option(names = "--duration", description = "stop after this long (e.g. 5m); default: until Ctrl-C")
    String duration;

    @Override
    public Integer call() throws Exception {
      Datasets.ensureAvailable(Dataset.MNIST);
      Fleet fleet = Fleet.builder(publisher, admin, adminToken, model).count(count).idPrefix(idPrefix)
          .data(Datasets.load(Dataset.MNIST, Split.TEST))
          .dir(DataHome.resolve().root().resolve("devices")).build().start();
      CountDownLatch stop = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        fleet.close();
        stop.countDown();
      }));
      long end = duration == null ? Long.MAX_VALUE
          : System.currentTimeMillis() + dev.distill.platform.config.ConfigReader.parseDuration(duration).toMillis();
      while (System.currentTimeMillis() < end && !stop.await(Duration.ofSeconds(5).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
        Fleet.Snapshot s = fleet.snapshot();
        System.out.println("devices per version " + s.devicesPerVersion() + "  accuracy " + s.accuracyPerVersion());
      }
      fleet.close();
      return 0;
    }
  }

  @Command(name = "remove", mixinStandardHelpOptions = true, description =
      "Deregister devices: their tokens stop working, their event streams close; they can be registered again.")
  static final class Remove implements Callable<Integer> {
    @picocli.CommandLine.Parameters(arity = "1..*", paramLabel = "DEVICE") java.util.List<String> devices;
    @picocli.CommandLine.Mixin RolloutCommand.AdminOptions options;
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      var admin = options.client();
      for (String d : devices) {
        try {
          admin.deregister(d);
          spec.commandLine().getOut().println("removed " + d);
        } catch (dev.distill.client.http.PublisherException e) {
          throw new UserError("device " + d + ": " + (e.status() == 0 ? "cannot reach the admin API at " + options.admin
              : "the publisher refused") + ": " + e.getMessage());
        }
      }
      return 0;
    }
  }
}
