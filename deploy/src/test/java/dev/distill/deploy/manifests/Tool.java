package dev.distill.deploy.manifests;

import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A program on the PATH that a test runs. Where it is missing, the test is skipped on a developer's
 * machine but fails under CI (the variable {@code CI} set): .ci/run installs every such program,
 * so there a skip would only hide a check that never ran.
 */
public record Tool(Path path) {
  /** What the program did: its exit code and both its streams. */
  public record Result(int exitCode, String stdout, String stderr) {}

  /** @param installedBy where the program comes from, for the message when it is missing */
  public static Tool require(String name, String installedBy) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) {
        return new Tool(p);
      }
    }
    String missing = name + " is not on the PATH (" + installedBy + ")";
    if (System.getenv("CI") != null) {
      fail(missing + ": CI must run this check, not skip it");
    }
    assumeTrue(false, missing);
    throw new AssertionError("unreachable");
  }

  /**
   * Runs the program to its end. Its streams go through files, so neither side can block on a full
   * pipe, however much it writes.
   *
   * @param stdin what the program reads, or {@code null} for nothing
   */
  public Result run(Path workDir, String stdin, Duration timeout, String... args) {
    List<String> command = new ArrayList<>(List.of(path.toString()));
    command.addAll(List.of(args));
    try {
      Path io = Files.createTempDirectory("tool-" + path.getFileName());
      Path in = Files.writeString(io.resolve("stdin"), stdin == null ? "" : stdin);
      Path out = io.resolve("stdout");
      Path err = io.resolve("stderr");
      Process p = new ProcessBuilder(command).directory(workDir.toFile())
          .redirectInput(in.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " did not finish in " + timeout);
      }
      Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
      for (Path f : List.of(in, out, err, io)) {
        Files.delete(f);
      }
      return r;
    } catch (IOException e) {
      throw new UncheckedIOException(String.join(" ", command), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(String.join(" ", command) + " interrupted", e);
    }
  }
}
