package dev.distill.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.client.http.AdminClient;
import dev.distill.client.http.PublisherException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Operators' calls of the publisher's admin API: see and steer rollouts. */
@Command(name = "rollout", mixinStandardHelpOptions = true,
    description = "See and steer the edge-publisher's rollouts (its admin API).",
    subcommands = {RolloutCommand.ListModels.class, RolloutCommand.Start.class, RolloutCommand.Pause.class,
        RolloutCommand.Resume.class, RolloutCommand.Abort.class, RolloutCommand.Pin.class, RolloutCommand.Unpin.class})
final class RolloutCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Where the admin API is and the token it takes. */
  static final class AdminOptions {
    @Option(names = "--admin", defaultValue = "http://localhost:8091",
        description = "the publisher's admin API (default ${DEFAULT-VALUE}; in Kubernetes: "
            + "kubectl -n distill port-forward svc/edge-publisher-admin 8091)")
    URI admin;

    @Option(names = "--admin-token", defaultValue = "${env:DISTILL_ADMIN_TOKEN}",
        description = "the admin token (default: $DISTILL_ADMIN_TOKEN)")
    String token;

    AdminClient client() {
      if (token == null || token.isBlank()) {
        throw new UserError("no admin token: pass --admin-token or set DISTILL_ADMIN_TOKEN");
      }
      return new AdminClient(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(), admin, token);
    }
  }

  /** One admin call: its answer printed, or its error said in one sentence (exit 1). */
  abstract static class Call implements Callable<Integer> {
    @Mixin AdminOptions options;
    @Spec CommandSpec spec;

    abstract JsonNode call(AdminClient admin) throws PublisherException;

    @Override
    public Integer call() {
      try {
        print(spec.commandLine().getOut(), call(options.client()));
        return 0;
      } catch (PublisherException e) {
        String what = e.status() == 0 ? "cannot reach the admin API at " + options.admin : "the publisher refused";
        throw new UserError(what + ": " + e.getMessage());
      }
    }

    void print(PrintWriter out, JsonNode answer) {
      out.println(rolloutLine(answer));
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Every model: latest version, rollout and devices per version.")
  static final class ListModels extends Call {
    @Override
    JsonNode call(AdminClient admin) throws PublisherException {
      return admin.models();
    }

    @Override
    void print(PrintWriter out, JsonNode answer) {
      out.printf("%-24s %7s  %-44s %s%n", "model", "latest", "rollout", "devices per version");
      for (JsonNode m : answer.path("models")) {
        List<String> devices = new ArrayList<>();
        m.path("devicesPerVersion").fields().forEachRemaining(e -> devices.add("v" + e.getKey() + " x" + e.getValue().asInt()));
        out.printf("%-24s %7s  %-44s %s%n", m.path("model").asText(), "v" + m.path("latestVersion").asLong(),
            m.has("rollout") ? rolloutLine(m.path("rollout")) : "none", devices.isEmpty() ? "-" : String.join(", ", devices));
      }
    }
  }

  @Command(name = "start", mixinStandardHelpOptions = true, description = "Start rolling out a version in waves.")
  static final class Start extends Call {
    @Parameters(index = "0", paramLabel = "MODEL") String model;
    @Option(names = "--to-version", required = true, paramLabel = "N", description = "the version to roll out") long version;
    @Option(names = "--waves", split = ",", paramLabel = "F", description = "wave fractions, e.g. 0.01,0.1,1 (default: the publisher's)")
    List<Double> waves;

    @Override
    JsonNode call(AdminClient admin) throws PublisherException {
      return admin.startRollout(model, version, waves);
    }
  }

  @Command(name = "pause", mixinStandardHelpOptions = true, description = "Hold the current wave (devices keep what they run).")
  static final class Pause extends Call {
    @Parameters(index = "0", paramLabel = "MODEL") String model;
    @Option(names = "--reason", description = "recorded with the rollout") String reason;

    @Override
    JsonNode call(AdminClient admin) throws PublisherException {
      return admin.pause(model, reason);
    }
  }

  @Command(name = "resume", mixinStandardHelpOptions = true, description = "Go on with a paused rollout.")
  static final class Resume extends Call {
    @Parameters(index = "0", paramLabel = "MODEL") String model;

    @Override
    JsonNode call(AdminClient admin) throws PublisherException {
      return admin.resume(model);
    }
  }

  @Command(name = "abort", mixinStandardHelpOptions = true, description = "Stop the rollout: devices go back to the last good version.")
  static final class Abort extends Call {
    @Parameters(index = "0", paramLabel = "MODEL") String model;
    @Option(names = "--reason", description = "recorded with the rollout") String reason;

    @Override
    JsonNode call(AdminClient admin) throws PublisherException {
      return admin.abort(model, reason);
    }
  }

  @Command(name = "pin", mixinStandardHelpOptions = true, description = "Pin every device of the model to one version.")
  static final class Pin extends Call {
    @Parameters(index = "0", paramLabel = "MODEL") String model;
    @Option(names = "--to-version", required = true, paramLabel = "N", description = "the version devices run") long version;

    @Override
    JsonNode call(AdminClient admin) throws PublisherException {
      return admin.pin(model, version);
    }
  }

  @Command(name = "unpin", mixinStandardHelpOptions = true, description = "Remove the pin: the rollout decides again.")
  static final class Unpin extends Call {
    @Parameters(index = "0", paramLabel = "MODEL") String model;

    @Override
    JsonNode call(AdminClient admin) throws PublisherException {
      return admin.unpin(model);
    }
  }

  /** A rollout in one line: state, target, wave of waves, pin and reason. */
  static String rolloutLine(JsonNode r) {
    StringBuilder b = new StringBuilder();
    b.append(r.path("model").asText()).append(' ').append(r.path("state").asText())
        .append(" v").append(r.path("targetVersion").asLong());
    int waves = r.path("waves").size();
    if (waves > 0) {
      b.append(", wave ").append(Math.min(r.path("currentWave").asInt() + 1, waves)).append('/').append(waves);
    }
    if (r.path("lastGoodVersion").asLong() > 0) {
      b.append(", last good v").append(r.path("lastGoodVersion").asLong());
    }
    if (r.path("pinnedVersion").asLong() > 0) {
      b.append(", pinned to v").append(r.path("pinnedVersion").asLong());
    }
    if (r.has("revision")) {
      b.append(", revision ").append(r.path("revision").asLong());
    }
    String reason = r.path("reason").asText("");
    if (!reason.isEmpty()) {
      b.append(" (").append(reason).append(')');
    }
    return b.toString();
  }
}
