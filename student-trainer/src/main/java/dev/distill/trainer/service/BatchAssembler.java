package dev.distill.trainer.service;

import dev.distill.trainer.replay.ReplayBuffer;
import dev.distill.trainer.stream.Batch;
import dev.distill.trainer.stream.Example;
import dev.distill.trainer.stream.Rows;
import dev.distill.trainer.model.StudentInputs;
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
  private final StudentInputs inputs;
  private final int classes;
  private final ReplayBuffer<Example> replay;
  private final TrainingObserver observer;
  private final List<Example> pending = new ArrayList<>();

  BatchAssembler(StudentInputs inputs, int classes, int replayCapacity, double replayRatio, Random random,
      TrainingObserver observer) {
    this.inputs = inputs;
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
    rows.forEach(observer::trainedOn);
    return Rows.batch(inputs, rows, n, classes);
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
