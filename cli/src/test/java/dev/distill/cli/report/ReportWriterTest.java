package dev.distill.cli.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportWriterTest {
  @TempDir Path dir;

  private static Report sample() {
    Report.Table t = new Report.Table("model", "test errors").row("student v1", "312").row("baseline v1", "480");
    return new Report("a run", t.columns(), t.rows(), new Report.Chart("accuracy", "samples", "%", List.of(
        Report.Series.of("student", List.of(new Report.Point(1000, 96.1), new Report.Point(2000, 96.9))),
        Report.Series.level("teacher", 99.4, 0, 2000))),
        Map.of("student", Map.of("errors", 312)), Map.of("models/s-v1.onnx", new byte[] {1, 2, 3}));
  }

  @Test
  void writesAChartTheFiguresTheTableAndTheFiles() throws Exception {
    ReportWriter.write(sample(), dir);

    BufferedImage png = ImageIO.read(dir.resolve(ReportWriter.CHART).toFile());
    assertThat(png.getWidth()).isGreaterThan(100);
    JsonNode json = new ObjectMapper().readTree(dir.resolve(ReportWriter.JSON).toFile());
    assertThat(json.get("figures").get("student").get("errors").asInt()).isEqualTo(312);
    assertThat(json.get("table").get(1).get("test errors").asText()).isEqualTo("480");
    assertThat(json.get("chart").get("series").get(1).get("reference").asBoolean()).isTrue();
    assertThat(Files.readString(dir.resolve(ReportWriter.MARKDOWN))).contains("| student v1 | 312 |");
    assertThat(Files.readAllBytes(dir.resolve("models/s-v1.onnx"))).containsExactly(1, 2, 3);
  }

  @Test
  void theTerminalTableAlignsLabelsLeftAndFiguresRight() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    ReportWriter.printTable(sample(), new PrintStream(buf, true, StandardCharsets.UTF_8));
    assertThat(buf.toString(StandardCharsets.UTF_8).lines()).containsExactly(
        "model        test errors",
        "-----------  -----------",
        "student v1           312",
        "baseline v1          480");
  }

  @Test
  void aRowOfTheWrongWidthOrAFileOutsideTheFolderIsRefused() {
    assertThatThrownBy(() -> new Report("x", List.of("a", "b"), List.of(List.of("1")),
        new Report.Chart("c", "x", "y", List.of()), Map.of(), Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
    Report escaping = new Report("x", List.of("a"), List.of(), new Report.Chart("c", "x", "y", List.of()), Map.of(),
        Map.of("../outside", new byte[0]));
    assertThatThrownBy(() -> ReportWriter.write(escaping, dir.resolve("r"))).isInstanceOf(IllegalArgumentException.class);
  }
}
