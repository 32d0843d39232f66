package dev.distill.bench.trainer;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TorchLoopTest {
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
