package dev.distill.bench.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.distill.bench.Trial;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainerSectionTest {
  @Test
  void everyPairOfSidesSwapsOrderFromOneRoundToTheNext() throws Exception {
    List<String> order = new ArrayList<>();
    List<Trial> sides = new ArrayList<>();
    for (String name : List.of("raw", "service", "torch")) {
      sides.add(() -> {
        order.add(name);
        return name.length();
      });
    }
    double[][] rounds = TrainerSection.inTurn(2, sides);
    assertEquals(List.of("raw", "service", "torch", "torch", "service", "raw"), order);
    assertArrayEquals(new double[] {3, 3}, rounds[0]);
    assertArrayEquals(new double[] {7, 7}, rounds[1]);
    assertArrayEquals(new double[] {5, 5}, rounds[2]);
  }

  @Test
  void thePyTorchLoopAnswersEachRequestWithItsRate() throws Exception {
    TorchLoop.Probe probe = TorchLoop.probe();
    assumeTrue(probe.python().isPresent(), "no python3 with torch here: " + probe.detail());
    Path script = TorchLoop.script().orElseThrow();
    try (TorchLoop torch = TorchLoop.start(probe.python().get(), script, "784-16-10", 10, 8, 1, 0.9f, 1e-3f)) {
      assertTrue(torch.samplesPerSecond(80) > 0);
      assertTrue(torch.samplesPerSecond(80) > 0);
      assertTrue(torch.version().startsWith(probe.detail()));
    }
  }
}
