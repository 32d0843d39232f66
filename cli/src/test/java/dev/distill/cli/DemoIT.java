package dev.distill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.cli.report.ReportWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * `distill demo` end to end, as a user runs it but small: a quick teacher trained here, 3,000
 * samples through the real broker, scorer, both trainers (a small student), the publisher and
 * five simulated devices over the four variants; then the report it wrote is checked.
 */
class DemoIT extends IsolatedHome {
  @Test
  void aDistilledVersionReachesEveryDeviceAndTheReportHoldsItsFigures() throws Exception {
    quickTeacher();
    Path report = home.resolve("report");

    String out = run("demo", "--limit", "3000", "--devices", "5", "--student", "mlp:784-128-10",
        "--report", report.toString());

    assertThat(out).contains("demo root", "edge-publisher", "fleet", "test errors", "report:");
    JsonNode json = new ObjectMapper().readTree(report.resolve(ReportWriter.JSON).toFile());
    JsonNode figures = json.get("figures");
    assertThat(figures.get("samples").asLong()).isEqualTo(3000);

    JsonNode fleet = figures.get("fleet");
    long latest = fleet.get("latest_version").asLong();
    assertThat(latest).as("versions of the distilled student").isPositive();
    assertThat(fleet.get("devices_on_latest").asInt()).as("devices on their variant's newest: %s", fleet).isEqualTo(5);
    assertThat(fleet.get("notified_ms").get("count").asInt()).isGreaterThanOrEqualTo(5);
    // five devices dealt over the default four variants, each on its own lineage at the student's version
    JsonNode variants = fleet.get("variants");
    assertThat(variants.fieldNames()).toIterable().containsExactly("fp32", "fp16", "int8", "qdelta");
    assertThat(variants.get("fp32").get("devices").asInt()).isEqualTo(2);
    assertThat(variants.get("int8").get("lineage").asText()).isEqualTo("mnist-student.int8");
    variants.forEach(v -> assertThat(v.get("latest_version").asLong()).as("%s", v).isEqualTo(latest));
    // every device measured the newest version before the demo ended: the variants' accuracies are on the same images
    variants.forEach(v -> assertThat(v.get("devices_measured_latest").asInt()).as("%s", v)
        .isEqualTo(v.get("devices").asInt()));

    JsonNode student = figures.get("student").get("versions");
    JsonNode newest = student.get(student.size() - 1);
    assertThat(newest.get("version").asLong()).isEqualTo(latest);
    // chance is 0.1; the number is the ONNX file run on the 10,000 test images
    assertThat(newest.get("test_accuracy").asDouble()).as("student's test accuracy").isGreaterThan(0.8);
    // the trainer's own figure, on its validation slice of the training stream (about 150 images
    // here), tells the same story as the shipped artifact on the test split, which it never saw
    assertThat(newest.get("test_accuracy").asDouble())
        .isCloseTo(newest.get("trainer_metrics").get("validation_accuracy").asDouble(),
            org.assertj.core.data.Offset.offset(0.08));
    JsonNode baseline = figures.get("baseline").get("versions");
    assertThat(baseline.size()).as("baseline versions").isPositive();
    assertThat(figures.get("teacher").get("test_errors").asInt()).isBetween(1, 1000);

    byte[] png = Files.readAllBytes(report.resolve(ReportWriter.CHART));
    assertThat(png).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
    try (Stream<Path> models = Files.list(report.resolve("models"))) {
      assertThat(models.map(p -> p.getFileName().toString()))
          .hasSize(student.size())
          .contains("mnist-student-v" + latest + ".onnx");
    }
  }
}
