package dev.distill.trainer.service;

import dev.distill.trainer.replay.ReplayBuffer;
import dev.distill.trainer.stream.Batch;
import dev.distill.trainer.stream.Example;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Fresh examples waiting for a batch, and the replay buffer: {@link #next} lays out the pending
 * ones followed by replayed ones as one {@link Batch}; after a step that was not skipped,
 * {@link #trained} moves the fresh ones into the replay buffer. Only examples of training ids
 * come here; the validation slice's never do.
 */
final class BatchAssembler {
  private final int features;
  private final int classes;
  private final ReplayBuffer<Example> replay;
  private final TrainingObserver observer;
  private final List<Example> pending = new ArrayList<>();

  BatchAssembler(int features, int classes, int replayCapacity, double replayRatio, Random random,
      TrainingObserver observer) {
    this.features = features;
    this.classes = classes;
    this.replay = new ReplayBuffer<>(replayCapacity, replayRatio, random);
    this.observer = observer;
  }

  void add(Example e) {
    pending.add(e);
  }

  int pending() {
    return pending.size();
  }

  /** The fresh examples of the batch {@link #next} returns, in its row order. */
  List<Example> fresh() {
    return pending;
  }

  /** The pending examples and their share of replayed ones, row-major. */
  Batch next() {
    int n = pending.size();
    List<Example> rows = new ArrayList<>(pending);
    rows.addAll(replay.draw(replay.replayCount(n)));
    float[] x = new float[rows.size() * features];
    float[] q = new float[rows.size() * classes];
    float[] temps = new float[rows.size()];
    int[] labels = new int[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      Example e = rows.get(i);
      observer.trainedOn(e);
      System.arraycopy(e.features(), 0, x, i * features, features);
      System.arraycopy(e.probs(), 0, q, i * classes, classes);
      temps[i] = e.temperature();
      labels[i] = e.label();
    }
    return new Batch(rows.size(), n, x, q, temps, labels);
  }

  /** The step of {@link #next}'s batch was made: the fresh examples join the replay buffer. */
  void trained() {
    for (Example e : pending) {
      observer.trainedOn(e);
      replay.offer(e);
    }
    pending.clear();
  }

  /** The step was skipped (a non-finite loss): the fresh examples are dropped. */
  void skipped() {
    pending.clear();
  }
}
