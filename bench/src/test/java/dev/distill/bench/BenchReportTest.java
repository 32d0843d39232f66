package dev.distill.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchReportTest {
  @TempDir Path dir;

  @Test
  void writesTheSameRowsAsMarkdownJsonAndAChart() throws Exception {
    BenchReport report = new BenchReport();
    report.context("load average before (1, 5, 15 min)", "0.10 0.20 0.30");
    Row r = report.ratio("scorer", "end to end / raw ONNX Runtime, batch 256",
        new Paired(new double[] {30, 32, 31, 29, 33}, new double[] {40, 40, 40, 40, 40}), "scorer", "raw", "records/s", 0.85);
    report.figure("push", "publish to all, p99, 1,000 devices", new double[] {120, 130, 110, 150, 125}, "ms",
        "5 rounds", "<= 2000", true);
    report.note("trainer", "PyTorch not measured: python3-torch is not installed");
    assertEquals(0.775, r.value().median(), 1e-12);
    assertFalse(r.met());
    report.write(dir);

    String md = Files.readString(dir.resolve("bench.md"));
    assertTrue(md.contains("| scorer | end to end / raw ONNX Runtime, batch 256 | 0.775 x | 0.725-0.825 | 5 | >= 0.850 (not met) |"), md);
    assertTrue(md.contains("| push | publish to all, p99, 1,000 devices | 125 ms | 110-150 | 5 | <= 2000 (met) |"), md);
    assertTrue(md.contains("0.10 0.20 0.30"));
    assertTrue(md.contains("- trainer: PyTorch not measured"));

    JsonNode json = new ObjectMapper().readTree(dir.resolve("bench.json").toFile());
    assertEquals(2, json.get("rows").size());
    assertEquals(0.775, json.get("rows").get(0).get("median").asDouble(), 1e-12);
    assertEquals(5, json.get("rows").get(0).get("rounds").size());
    assertFalse(json.get("rows").get(0).get("met").asBoolean());

    BufferedImage png = ImageIO.read(dir.resolve("bench.png").toFile());
    assertEquals(1100, png.getWidth());
  }

  @Test
  void aSizeRatiosGoalIsACeiling() {
    BenchReport report = new BenchReport();
    Paired small = new Paired(new double[] {7, 8, 7}, new double[] {100, 100, 100});
    Row under = report.ratioAtMost("ota", "delta / full", small, "delta", "full", "bytes", 0.1);
    Row over = report.ratioAtMost("ota", "delta / full", small, "delta", "full", "bytes", 0.05);
    assertEquals("<= 0.100", under.goal());
    assertTrue(under.met());
    assertFalse(over.met());
    assertFalse(report.ratio("ota", "delta / full", small, "delta", "full", "bytes", 0.1).met());
  }
}
