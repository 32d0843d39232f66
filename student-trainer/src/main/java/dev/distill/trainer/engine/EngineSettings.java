package dev.distill.trainer.engine;

import dev.distill.contract.data.DataHome;
import java.nio.file.Path;

/**
 * How the training engine starts: where DJL keeps the PyTorch natives it extracts (about
 * 0.5 GB, so in a project-owned folder rather than {@code ~/.djl.ai}), how many threads
 * PyTorch may use, and which device models train on.
 *
 * @param cacheDir        DJL's cache and engine cache folder
 * @param intraOpThreads  threads one operator (a matrix product, a convolution) may use
 * @param interOpThreads  operators PyTorch may run at once; one is right for a sequential
 *                        training loop, more only oversubscribe the cores
 * @param device          where models train
 */
public record EngineSettings(Path cacheDir, int intraOpThreads, int interOpThreads, TrainingDevice device) {
  public EngineSettings {
    if (intraOpThreads < 1 || interOpThreads < 1) {
      throw new IllegalArgumentException("PyTorch needs at least one thread, got intra-op " + intraOpThreads
          + " and inter-op " + interOpThreads);
    }
    cacheDir = cacheDir.toAbsolutePath().normalize();
  }

  /** On the GPU when there is one ({@link TrainingDevice#AUTO}). */
  public EngineSettings(Path cacheDir, int intraOpThreads, int interOpThreads) {
    this(cacheDir, intraOpThreads, interOpThreads, TrainingDevice.AUTO);
  }

  /**
   * The cache under the data home ({@code ~/.distill/djl}), one intra-op thread per core (on 2
   * cores, letting PyTorch pick its own pools was measured to cut throughput by more than 10x),
   * and the GPU when there is one.
   */
  public static EngineSettings defaults() {
    return new EngineSettings(DataHome.resolve().root().resolve("djl"),
        Runtime.getRuntime().availableProcessors(), 1);
  }
}
