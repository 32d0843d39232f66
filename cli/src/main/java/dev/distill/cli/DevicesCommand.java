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

@Command(name = "devices", mixinStandardHelpOptions = true,
    description = "Edge devices: list the fleet, remove devices, simulate devices.",
    subcommands = {DevicesCommand.ListDevices.class, DevicesCommand.Remove.class, DevicesCommand.Simulate.class})
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

  @Command(name = "list", mixinStandardHelpOptions = true, description =
      "The fleet in device-id order: installed and assigned version, latest status (the admin API, a page at a time).")
  static final class ListDevices extends RolloutCommand.Call {
    @Option(names = "--model", description = "only devices of this model") String model;
    // not --version: picocli's standard option prints the CLI's version
    @Option(names = "--installed", paramLabel = "N", description = "only devices with version N installed") Long version;
    @Option(names = "--status", description = "only devices whose latest report has this status (e.g. VERIFY_FAILED, NEVER_REPORTED)")
    String status;
    @Option(names = "--behind", description = "only devices not running the version assigned to them") boolean behind;
    @Option(names = "--after", paramLabel = "ID", description = "start after this device id (the 'next' a listing printed)") String after;
    @Option(names = "--limit", defaultValue = "100", description = "devices to print at most (default ${DEFAULT-VALUE}; up to 1000)")
    int limit;

    @Override
    com.fasterxml.jackson.databind.JsonNode call(dev.distill.client.http.AdminClient admin)
        throws dev.distill.client.http.PublisherException {
      if (limit < 1 || limit > 1000) {
        throw new UserError("--limit must be within 1..1000, not " + limit);
      }
      return admin.devices(model, version, status, behind, after, limit);
    }

    @Override
    void print(java.io.PrintWriter out, com.fasterxml.jackson.databind.JsonNode page) {
      out.printf("%-32s %-20s %9s %9s  %s%n", "device", "model", "installed", "assigned", "status");
      for (var d : page.path("devices")) {
        out.printf("%-32s %-20s %9s %9s  %s%n", d.path("deviceId").asText(), d.path("model").asText(),
            "v" + d.path("installedVersion").asLong(), "v" + d.path("assignedVersion").asLong(), d.path("status").asText());
      }
      out.println(page.path("devices").size() + " of " + page.path("matching").asInt() + " matching devices"
          + (page.path("next").isTextual() ? "; next page: --after " + page.path("next").asText() : ""));
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
