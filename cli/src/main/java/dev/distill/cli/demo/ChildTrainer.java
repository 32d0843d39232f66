package dev.distill.cli.demo;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A student-trainer in its own JVM ({@code distill trainer}, configured by environment
 * variables as in a deployment). DJL's PyTorch engine lets one gradient collector run per
 * process, so a second trainer that trains at the same time needs a process of its own. Its
 * committed state is read from Kafka like anyone else's; its live sample count from its
 * {@code /metrics} port.
 */
final class ChildTrainer implements AutoCloseable {
  private static final String SAMPLES_METRIC = "distill_trainer_samples_total";
  private static final String HELD_OUT_METRIC = "distill_trainer_validation_held_out_total";

  private final Process process;
  private final Path log;
  private final int opsPort;
  private final String model;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private volatile long samplesTrained;
  private volatile long heldOut;

  private ChildTrainer(Process process, Path log, int opsPort, String model) {
    this.process = process;
    this.log = log;
    this.opsPort = opsPort;
    this.model = model;
  }

  /** Starts {@code distill trainer} with this JVM's class path and {@code env} added to the environment. */
  static ChildTrainer start(String model, Map<String, String> env, Path log) throws IOException {
    int port = freePort();
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx1g");
    // the same temp, DJL cache and data home as this JVM: natives are extracted once, data read from one place
    for (String p : List.of("java.io.tmpdir", "ai.djl.offline", "DJL_CACHE_DIR", "ENGINE_CACHE_DIR", "distill.home")) {
      String v = System.getProperty(p);
      if (v != null) {
        cmd.add("-D" + p + "=" + v);
      }
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("dev.distill.cli.Distill");
    cmd.add("trainer");
    cmd.add("--exit-with-parent");
    Files.createDirectories(log.getParent());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    pb.environment().put("DISTILL_HTTP_PORT", Integer.toString(port));
    pb.environment().put("DISTILL_LOG_FORMAT", "text");
    return new ChildTrainer(pb.start(), log, port, model);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  int opsPort() {
    return opsPort;
  }

  Path log() {
    return log;
  }

  /** Why the process is gone, or null while it runs. */
  String failure() {
    return process.isAlive() ? null : "its process exited with code " + process.exitValue() + " (log: " + log + ")";
  }

  /** Fresh samples trained so far (committed or not), as its metrics last said; 0 until they answer. */
  long samplesTrained() {
    scrape();
    return samplesTrained;
  }

  /** Soft targets held out for its validation slice whose offsets it committed, as its metrics last said. */
  long heldOut() {
    scrape();
    return heldOut;
  }

  private void scrape() {
    try {
      HttpResponse<java.util.stream.Stream<String>> r = http.send(HttpRequest.newBuilder(
          URI.create("http://localhost:" + opsPort + "/metrics")).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.ofLines());
      r.body().filter(l -> l.contains("model=\"" + model + "\"")).forEach(l -> {
        if (l.startsWith(SAMPLES_METRIC)) {
          samplesTrained = value(l);
        } else if (l.startsWith(HELD_OUT_METRIC)) {
          heldOut = value(l);
        }
      });
    } catch (IOException e) {
      // not listening yet, or gone (then failure() says so)
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static long value(String line) {
    return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
  }

  /** SIGTERM (the trainer stops without committing, as on a pod's shutdown), then SIGKILL if it lingers. */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(5, TimeUnit.SECONDS);
    }
  }
}
