package dev.distill.bench.trainer;

import dev.distill.contract.data.LabelledImages;
import dev.distill.trainer.engine.TrainingEngine;
import dev.distill.trainer.service.TrainerSettings;
import dev.distill.trainer.stream.Batch;
import dev.distill.trainer.stream.StudentLearner;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The raw DJL loop: the trainer's own {@link StudentLearner} step on batches built in memory once,
 * the same model, optimizer, rows per step (fresh and replayed) and threads as the service, and
 * nothing else: no Kafka, no decoding, no validation, no checkpoints.
 */
final class RawLoop implements AutoCloseable {
  private static final int BATCHES = 64;
  private static final int WARM_UP_STEPS = 100;

  private final StudentLearner learner;
  private final List<Batch> batches = new ArrayList<>();
  private final int fresh;
  private long stepsDone;

  RawLoop(TrainingEngine engine, TrainerSettings s, LabelledImages train) {
    this.fresh = s.batchSize();
    int rows = fresh + SoftTargetFeed.replayedRows(s);
    int d = train.pixelsPerImage();
    int classes = s.architecture().classes();
    Random random = new Random(1);
    for (int b = 0; b < BATCHES; b++) {
      float[] x = new float[rows * d];
      float[] q = new float[rows * classes];
      float[] t = new float[rows];
      int[] y = new int[rows];
      for (int i = 0; i < rows; i++) {
        int idx = random.nextInt(train.count());
        int off = train.imageOffset(idx);
        for (int j = 0; j < d; j++) {
          x[i * d + j] = train.pixels()[off + j] & 0xff;
        }
        y[i] = train.label(idx);
        System.arraycopy(SoftTargetFeed.smoothed(y[i], classes), 0, q, i * classes, classes);
        t[i] = SoftTargetFeed.TEMPERATURE;
      }
      batches.add(new Batch(rows, fresh, x, q, t, y));
    }
    this.learner = new StudentLearner(engine, s.architecture(), s.optimizer(), s.learningRate(), s.momentum(),
        s.alpha(), s.seed());
    steps(WARM_UP_STEPS);
  }

  /** Fresh samples per second over {@code samples} fresh samples (whole steps). */
  double samplesPerSecond(long samples) {
    long steps = Math.max(1, samples / fresh);
    long start = System.nanoTime();
    steps(steps);
    return steps * (double) fresh / ((System.nanoTime() - start) / 1e9);
  }

  private void steps(long n) {
    for (long i = 0; i < n; i++) {
      learner.step(batches.get((int) (stepsDone++ % batches.size())));
    }
  }

  @Override
  public void close() {
    learner.close();
  }
}
