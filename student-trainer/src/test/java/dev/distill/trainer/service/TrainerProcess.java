package dev.distill.trainer.service;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** {@link TrainerMain} as a real process for the tests that kill it, and its /metrics. */
final class TrainerProcess {
  private TrainerProcess() {}

  /**
   * Starts a child JVM with this test's classpath and the given settings as its only
   * {@code DISTILL_TRAINER_*} / {@code KAFKA_*} variables; its output goes to {@code log}.
   */
  static Process start(Map<String, String> env, List<String> jvmOptions, Path tmp, Path log) throws IOException {
    Files.createDirectories(tmp);
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Djava.io.tmpdir=" + tmp));
    command.addAll(jvmOptions);
    // the same offline DJL set-up as this JVM: libtorch from the shared cache, nothing downloaded
    for (String property : List.of("ai.djl.offline", "DJL_CACHE_DIR", "ENGINE_CACHE_DIR")) {
      if (System.getProperty(property) != null) {
        command.add("-D" + property + "=" + System.getProperty(property));
      }
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), TrainerMain.class.getName()));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("DISTILL_TRAINER_") || k.startsWith("KAFKA_"));
    pb.environment().putAll(env);
    return pb.start();
  }

  /** A service's /metrics as {@code name{labels}} to value; fails unless it answers 200. */
  static Map<String, Double> scrape(int port) throws IOException, InterruptedException {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("/metrics answered " + response.statusCode());
    }
    Map<String, Double> out = new HashMap<>();
    for (String line : response.body().split("\n")) {
      if (!line.startsWith("#") && !line.isBlank()) {
        int space = line.lastIndexOf(' ');
        out.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
      }
    }
    return out;
  }
}
