package dev.distill.cli.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A service's main class run as a real child process (this test's classpath, the same offline
 * DJL set-up), so that a kill is a real SIGKILL and a restart a real start; its output goes to a
 * log that outlives the test. {@link #ensureRunning} restarts it when it has exited, as
 * Kubernetes would, and counts the restarts.
 */
final class ChildService implements AutoCloseable {
  private final String name;
  private final String mainClass;
  private final Map<String, String> env;
  private final List<String> jvmOptions;
  private final Path log;
  private Process process;
  private int starts;
  private final List<Integer> exitCodes = new ArrayList<>();

  ChildService(String name, String mainClass, Map<String, String> env, List<String> jvmOptions, Path logDir) {
    this.name = name;
    this.mainClass = mainClass;
    this.env = env;
    this.jvmOptions = jvmOptions;
    this.log = logDir.resolve(name + ".log");
  }

  synchronized ChildService start() throws IOException {
    Files.createDirectories(log.getParent());
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(jvmOptions);
    for (String property : List.of("ai.djl.offline", "DJL_CACHE_DIR", "ENGINE_CACHE_DIR", "java.io.tmpdir")) {
      if (System.getProperty(property) != null) {
        command.add("-D" + property + "=" + System.getProperty(property));
      }
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("DISTILL_") || k.startsWith("KAFKA_"));
    pb.environment().putAll(env);
    process = pb.start();
    starts++;
    return this;
  }

  /** Starts it again if it has exited (a crash, or an exit on a fatal error); true when it did. */
  synchronized boolean ensureRunning() throws IOException {
    if (process != null && !process.isAlive()) {
      exitCodes.add(process.exitValue());
      start();
      return true;
    }
    return false;
  }

  /** SIGKILL; a kill is not an exit of its own, so {@link #ensureRunning} does not count it. */
  synchronized void kill() throws InterruptedException {
    process.destroyForcibly().waitFor();
  }

  /** SIGTERM; true when it exited within the budget. */
  synchronized boolean terminate(java.time.Duration within) throws InterruptedException {
    process.destroy();
    return process.waitFor(within.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** Resident memory of the running process in MiB, from /proc (Linux); -1 when it is not running. */
  synchronized double residentMiB() throws IOException {
    if (process == null || !process.isAlive()) {
      return -1;
    }
    return Rss.ofPid(process.pid());
  }

  synchronized boolean alive() {
    return process != null && process.isAlive();
  }

  /** Starts after the first: after a kill, or after an exit that {@link #ensureRunning} found. */
  synchronized int restarts() {
    return starts - 1;
  }

  synchronized List<Integer> exitCodes() {
    return List.copyOf(exitCodes);
  }

  Path log() {
    return log;
  }

  String name() {
    return name;
  }

  @Override
  public synchronized void close() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly().waitFor();
    }
  }
}
