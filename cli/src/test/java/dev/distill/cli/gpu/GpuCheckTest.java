package dev.distill.cli.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import dev.distill.scorer.onnx.ExecutionProvider;
import dev.distill.scorer.onnx.OnnxTeacherLoader;
import dev.distill.trainer.engine.TrainingEngine;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The comparison the GPU check runs, here CPU against CPU so that every machine runs its code: the
 * trainer's learner steps and learns, the exported teacher is scored and softened, the arrays are
 * where their engine puts them, and the rates are printed as median, range and ratio.
 */
class GpuCheckTest {
  @TempDir Path work;

  @Test
  void theComparisonTrainsAndScoresWithTheServicesCodeOnBothSidesAndPrintsTheRates() {
    TrainingEngine cpu = TrainingEngine.start().on(Device.cpu());
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    GpuCheck check = new GpuCheck(new GpuCheck.Options(3, 2, 16, 16, 1), new PrintStream(buf, true, StandardCharsets.UTF_8));

    GpuCheck.Result r = check.compare(new GpuCheck.Side("FAST", cpu, new OnnxTeacherLoader(1, false, ExecutionProvider.CPU)),
        new GpuCheck.Side("CPU", cpu, new OnnxTeacherLoader(1, false, ExecutionProvider.CPU)), work);

    String out = buf.toString(StandardCharsets.UTF_8);
    assertThat(out).contains(
        "train  mlp:784-800-800-10, batch 16, 3 steps a round: parameters and gradients on cpu(); the loss of one batch ",
        "score  mlp:784-1200-1200-10, batch 16, 3 batches a round: every node on CPU; the FAST picks the CPU's top class "
            + "for 16/16 rows (largest logit difference 0",
        "samples/s over 2 round(s) after a warm-up, FAST and CPU alternating: median (min..max)",
        "  train  FAST ", "  score  FAST ", "FAST/CPU ")
        .endsWith("gpu-check: OK\n");
    assertThat(r.trainGpu().perRound()).hasSize(2).allSatisfy(v -> assertThat(v).isPositive());
    assertThat(r.scoreCpu().perRound()).hasSize(2).allSatisfy(v -> assertThat(v).isPositive());
  }
}
