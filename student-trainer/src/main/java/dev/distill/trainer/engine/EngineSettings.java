package dev.distill.trainer.engine;

import dev.distill.contract.data.DataHome;
import java.nio.file.Path;

/**
 * How the training engine starts: where DJL keeps the PyTorch natives it extracts (about
 * 0.5 GB, so in a project-owned folder rather than {@code ~/.djl.ai}) and how many threads
 * PyTorch may use.
 *
 * @param cacheDir        DJL's cache and engine cache folder
 * @param intraOpThreads  threads one operator (a matrix product, a convolution) may use
 * @param interOpThreads  operators PyTorch may run at once; one is right for a sequential
 *                        training loop, more only oversubscribe the cores
 */
public record EngineSettings(Path cacheDir, int intraOpThreads, int interOpThreads) {
  public EngineSettings {
    if (intraOpThreads < 1 || interOpThreads < 1) {
      throw new IllegalArgumentException("PyTorch needs at least one thread, got intra-op " + intraOpThreads
          + " and inter-op " + interOpThreads);
    }
    cacheDir = cacheDir.toAbsolutePath().normalize();
  }

  /**
   * The cache under the data home ({@code ~/.distill/djl}) and one intra-op thread per core:
   * on 2 cores, letting PyTorch pick its own pools was measured to cut throughput by more
   * than 10x.
   */
  public static EngineSettings defaults() {
    return new EngineSettings(DataHome.resolve().root().resolve("djl"),
        Runtime.getRuntime().availableProcessors(), 1);
  }
}
