package dev.distill.deploy.monitoring;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.distill.deploy.manifests.Crds;
import dev.distill.deploy.manifests.DeployDir;
import dev.distill.deploy.manifests.Models;
import dev.distill.deploy.manifests.Yaml;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The Prometheus tools of the Debian package {@code prometheus}, and the rules in the form they read. */
final class Promtool {
  private Promtool() {}

  record Result(int exitCode, String output) {}

  /** The tool on the PATH; the calling test is skipped (an assumption) when it is not installed. */
  static Path require(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(dir, tool);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    assumeTrue(false, tool + " is not installed (Debian package prometheus; .ci/run installs it)");
    return null;
  }

  static Result run(Path workDir, String stdin, String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException(String.join(" ", command) + " did not finish");
    }
    return new Result(p.exitValue(), out);
  }

  static Crds.PrometheusRule rule() {
    return Models.strict(Yaml.documents(DeployDir.root().resolve("base/monitoring/prometheus-rule.yaml")).get(0),
        Crds.PrometheusRule.class);
  }

  static List<Crds.Rule> alerts() {
    List<Crds.Rule> out = new ArrayList<>();
    rule().spec().groups().forEach(g -> g.rules().stream().filter(r -> r.alert() != null).forEach(out::add));
    return out;
  }

  /** The PrometheusRule's groups as a plain rule file, which is what the operator hands Prometheus. */
  static Path writeRuleFile(Path dir) throws IOException {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    var groups = Yaml.documents(DeployDir.root().resolve("base/monitoring/prometheus-rule.yaml")).get(0)
        .at("/spec/groups");
    Path file = dir.resolve("distill.rules.yaml");
    yaml.writeValue(file.toFile(), Map.of("groups", groups));
    return file;
  }
}
