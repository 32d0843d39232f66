package dev.distill.bench.push;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.bench.BenchContext;
import dev.distill.bench.BenchReport;
import dev.distill.bench.Row;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole push section on a few devices: broker, publisher, a device JVM, h2c streams, the rounds. */
class PushSectionTest {
  @TempDir Path dir;

  @Test
  void aFewDevicesInASecondJvmAreAllNotifiedInEveryRoundAndTheRowHasOneFigurePerRound() throws Exception {
    BenchReport report = new BenchReport();
    System.setProperty(PushSection.DEVICES_PROPERTY, "30");
    try {
      new PushSection().run(new BenchContext(true, 5, dir, report, new PrintStream(OutputStream.nullOutputStream())));
    } finally {
      System.clearProperty(PushSection.DEVICES_PROPERTY);
    }
    assertEquals(1, report.rows().size());
    Row row = report.rows().get(0);
    assertEquals("publish-to-all p99, 30 SSE devices", row.name());
    assertEquals(5, row.rounds().length);
    assertTrue(row.detail().contains("every device notified every round"), row.detail());
    assertTrue(row.value().min() > 0, "a push takes time: " + row.value());
    assertNull(row.goal(), "the goal is for 50,000 devices");
  }
}
