package dev.distill.cli;

import dev.distill.cli.demo.Pipeline;
import dev.distill.cli.gpu.GpuCheck;
import dev.distill.cli.gpu.GpuCheckException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code distill gpu-check}: the GPU acceptance check of a GPU host (deploy/gpu-check.sh runs it). */
@Command(name = "gpu-check", mixinStandardHelpOptions = true,
    description = {
      "Check this machine's GPU path: train the student with the trainer's code on gpu(0) and score with the "
          + "scorer's code on CUDA (asserting both run there), then the same on the CPU, and print samples/s of both.",
      "Needs the cuda build (./distill builds it where nvidia-smi lists a GPU, or with DISTILL_CUDA=1). "
          + "Without a usable GPU it exits 1 at once, saying why."})
final class GpuCheckCommand implements Callable<Integer> {
  @Option(names = "--steps", paramLabel = "N", description = "Training steps and scored batches per round (default: 200).")
  int steps = GpuCheck.Options.defaults().steps();

  @Option(names = "--rounds", paramLabel = "R", description = "Measured rounds after one warm-up round (default: 5).")
  int rounds = GpuCheck.Options.defaults().rounds();

  @Option(names = "--batch", paramLabel = "B", description = "Training batch size (default: 128).")
  int batch = GpuCheck.Options.defaults().batch();

  @Option(names = "--score-batch", paramLabel = "B", description = "Rows per scored batch (default: 256, the scorer's).")
  int scoreBatch = GpuCheck.Options.defaults().scoreBatch();

  @Override
  public Integer call() throws Exception {
    GpuCheck.Options options;
    try {
      options = new GpuCheck.Options(steps, rounds, batch, scoreBatch, GpuCheck.Options.defaults().cpuThreads());
    } catch (IllegalArgumentException e) {
      throw new UserError("gpu-check: " + e.getMessage());
    }
    Path work = Files.createTempDirectory("gpu-check");
    try {
      new GpuCheck(options, System.out).run(work);
      return 0;
    } catch (GpuCheckException e) {
      throw new UserError("gpu-check failed: " + e.getMessage());
    } finally {
      Pipeline.deleteRecursively(work);
    }
  }
}
