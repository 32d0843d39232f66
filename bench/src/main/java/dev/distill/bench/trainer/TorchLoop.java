package dev.distill.bench.trainer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@code tools/bench/torch_student_loop.py} as a long-lived child process: it starts (and warms
 * up) once per student, then runs one trial per request, so that a trial is the loop alone, as on
 * the DJL side, not Python's and PyTorch's start-up.
 */
final class TorchLoop implements AutoCloseable {
  static final String SCRIPT = "tools/bench/torch_student_loop.py";
  /** Debian's {@code python3-torch} is installed for the system interpreter, which a pyenv on PATH hides. */
  private static final List<String> PYTHONS = List.of("python3", "/usr/bin/python3");

  private final Process process;
  private final BufferedReader out;
  private final Writer in;
  private final String version;
  private final int fresh;

  private TorchLoop(Process process, int fresh) throws IOException {
    this.process = process;
    this.fresh = fresh;
    this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    String ready = out.readLine();
    if (ready == null || !ready.startsWith("ready ")) {
      process.destroy();
      throw new IOException("the PyTorch loop did not start: " + ready);
    }
    this.version = ready.split(" ")[1];
  }

  /** The first interpreter that imports torch, or why there is none. */
  static Probe probe() {
    List<String> tried = new ArrayList<>();
    for (String python : PYTHONS) {
      try {
        Process p = new ProcessBuilder(python, "-c", "import torch; print(torch.__version__)")
            .redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
          return new Probe(Optional.of(python), said);
        }
        String[] lines = said.split("\n");
        tried.add(python + ": " + lines[lines.length - 1]);
      } catch (IOException e) {
        tried.add(python + ": " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return new Probe(Optional.empty(), String.join("; ", tried));
  }

  /** @param python an interpreter {@link #probe} found, {@code detail} its torch version or why none */
  record Probe(Optional<String> python, String detail) {}

  /**
   * The script in distill's working tree: above the working directory, or above the jar or
   * classes this code was loaded from (./distill runs {@code cli/target/distill.jar} from anywhere).
   */
  static Optional<Path> script() {
    List<Path> starts = new ArrayList<>(List.of(Path.of("").toAbsolutePath()));
    try {
      starts.add(Path.of(TorchLoop.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
    } catch (java.net.URISyntaxException | RuntimeException e) {
      // no code source (an unusual class loader): the working directory alone
    }
    for (Path start : starts) {
      for (Path dir = start; dir != null; dir = dir.getParent()) {
        Path s = dir.resolve(SCRIPT);
        if (Files.isRegularFile(s)) {
          return Optional.of(s);
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Starts the loop for an MLP of {@code layers} ({@code 784-800-800-10}) with the environment
   * of this JVM (so the same {@code OMP_WAIT_POLICY}).
   */
  static TorchLoop start(String python, Path script, String layers, int rows, int fresh, int threads, float alpha,
      float learningRate) throws IOException {
    Process p = new ProcessBuilder(python, script.toString(), "--layers", layers, "--rows", Integer.toString(rows),
        "--fresh", Integer.toString(fresh), "--threads", Integer.toString(threads), "--alpha", Float.toString(alpha),
        "--lr", Float.toString(learningRate), "--temperature", Float.toString(SoftTargetFeed.TEMPERATURE))
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    return new TorchLoop(p, fresh);
  }

  /** Fresh samples per second over {@code samples} fresh samples (whole steps). */
  double samplesPerSecond(long samples) throws IOException {
    in.write(Math.max(1, samples / fresh) + "\n");
    in.flush();
    String line = out.readLine();
    if (line == null) {
      throw new IOException("the PyTorch loop ended");
    }
    return Double.parseDouble(line.trim());
  }

  String version() {
    return version;
  }

  @Override
  public void close() throws IOException {
    in.close();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
