package dev.distill.deploy.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.distill.deploy.manifests.DeployDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each service's own artifact ({@code <module>/target/<module>-<version>.jar} and its {@code lib/})
 * runs its main class and carries only what that service runs: the scorer and the publisher no
 * ML training engine, no Kafka broker or Scala; nothing the CLI alone needs (picocli, charts).
 * The artifacts exist after {@code mvn package}; under {@code mvn test} alone there is nothing to read.
 */
class ServiceArtifactsTest {
  /** Jar name prefixes that belong to the embedded broker, the training engine or the CLI. */
  private static final List<String> BROKER = List.of("kafka_2.13", "kafka-server-", "kafka-raft", "kafka-metadata",
      "scala-library", "scala-reflect");
  private static final List<String> TRAINING = List.of("api-0.", "pytorch-");
  private static final List<String> CLI_ONLY = List.of("picocli", "jfreechart");

  /**
   * The jars (file names) {@code module} must not carry: the Kafka broker, Scala, what only the CLI
   * runs; DJL and PyTorch where no training runs; Kafka Streams outside the scorer.
   */
  static void assertNoOtherServicesJars(String module, List<String> jars, boolean noTrainingEngine) {
    assertThat(jars).as(module + " must not carry the Kafka broker or Scala")
        .noneMatch(j -> BROKER.stream().anyMatch(j::startsWith));
    assertThat(jars).as(module + " must not carry what only the CLI runs")
        .noneMatch(j -> CLI_ONLY.stream().anyMatch(j::startsWith));
    if (noTrainingEngine) {
      assertThat(jars).as(module + " must not carry DJL or PyTorch")
          .noneMatch(j -> TRAINING.stream().anyMatch(j::startsWith));
    }
    if (!module.equals("teacher-scorer")) {
      assertThat(jars).as(module + " runs no teacher").noneMatch(j -> j.startsWith("kafka-streams-"));
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "teacher-scorer,  dev.distill.scorer.ScorerMain,            onnxruntime;kafka-streams-, true",
      "student-trainer, dev.distill.trainer.service.TrainerMain,  pytorch-engine-;kafka-clients-, false",
      "edge-publisher,  dev.distill.publisher.PublisherMain,      javalin-;kafka-clients-, true"})
  void aServiceArtifactCarriesItsOwnDependenciesOnly(String module, String mainClass, String needs,
      boolean noTrainingEngine) throws IOException {
    Path target = DeployDir.repository().resolve(module).resolve("target");
    Path lib = target.resolve("lib");
    assumeThat(lib).as("run after mvn package").isDirectory();
    List<String> jars;
    try (Stream<Path> s = Files.list(lib)) {
      jars = s.map(p -> p.getFileName().toString()).sorted().toList();
    }
    for (String needed : needs.split(";")) {
      assertThat(jars).as(module + " needs " + needed).anyMatch(j -> j.startsWith(needed));
    }
    assertNoOtherServicesJars(module, jars, noTrainingEngine);

    Path jar;
    try (Stream<Path> s = Files.list(target)) {
      jar = s.filter(p -> p.getFileName().toString().matches(module + "-[0-9][^/]*\\.jar")).findFirst().orElseThrow();
    }
    long bytes = Files.size(jar);
    for (String j : jars) {
      bytes += Files.size(lib.resolve(j));
    }
    // the README's artifact sizes are these lines (deploy/target/surefire-reports/*ServiceArtifactsTest-output.txt)
    System.out.printf(java.util.Locale.ROOT, "artifact %s: %.0f MB (%s and %d jars in lib/)%n", module, bytes / 1e6,
        jar.getFileName(), jars.size());
    try (JarFile j = new JarFile(jar.toFile())) {
      var manifest = j.getManifest().getMainAttributes();
      assertThat(manifest.getValue("Main-Class")).isEqualTo(mainClass);
      // every jar the manifest names is in lib/: the artifact starts with `java -jar`
      for (String entry : manifest.getValue("Class-Path").split(" ")) {
        assertThat(target.resolve(entry)).as(entry).isRegularFile();
      }
    }
  }
}
