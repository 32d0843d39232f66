package dev.distill.trainer.validation;

import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.distill.contract.model.Architecture;
import dev.distill.trainer.engine.TrainingEngine;
import dev.distill.trainer.model.Network;
import dev.distill.trainer.model.StudentInputs;
import dev.distill.trainer.stream.Example;
import dev.distill.trainer.stream.ResumeState;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * An inference-only copy of the published version, so that the gate measures it on the same
 * validation slice as the candidate at the moment of the decision (the slice changes between
 * decisions, and a figure from an earlier slice is not comparable). Its weights are the
 * published version's, which the trainer's checkpoint carries.
 *
 * <p>Its weights change only when another version is published, so it keeps each example's score
 * and measures only the examples that joined the slice since: scoring the whole slice again was
 * half of every candidate's validation.
 */
public final class PublishedReference implements AutoCloseable {
  private final Network network;
  private boolean loaded;
  private Map<Example, SliceMetrics.Score> scores = new IdentityHashMap<>();

  /** Builds the network; create it after the learner, so its initial draw does not shift the learner's. */
  public PublishedReference(TrainingEngine engine, Architecture architecture, StudentInputs inputs) {
    this.network = Network.create(engine, architecture, inputs, 0f);
    network.initialize();
  }

  /**
   * Takes the weights of a candidate just published, with its scores on the slice, which are
   * this version's scores now.
   */
  public void load(byte[] resumeState, Map<Example, SliceMetrics.Score> candidateScores) {
    load(resumeState);
    scores = new IdentityHashMap<>(candidateScores);
  }

  /** Takes the weights of a resume state (the checkpoint keeps the published version's, without moments). */
  public void load(byte[] resumeState) {
    scores = new IdentityHashMap<>();
    Map<String, float[]> weights = ResumeState.fromBytes(resumeState).weights();
    for (Pair<String, Parameter> p : network.model().getBlock().getParameters()) {
      float[] w = weights.get(p.getKey());
      if (w == null || w.length != p.getValue().getArray().size()) {
        throw new IllegalStateException("the published weights do not fit parameter " + p.getKey() + " of " + network);
      }
      p.getValue().getArray().set(w);
    }
    loaded = true;
  }

  /** Whether a published version's weights are here (none before the first, or when they could not be read). */
  public boolean loaded() {
    return loaded;
  }

  public SliceMetrics measure(ValidationSlice slice) {
    if (!loaded) {
      throw new IllegalStateException("no published weights loaded");
    }
    List<Example> examples = slice.examples();
    List<Example> unscored = new ArrayList<>();
    Map<Example, SliceMetrics.Score> now = new IdentityHashMap<>(examples.size());
    for (Example e : examples) {
      SliceMetrics.Score s = scores.get(e);
      if (s == null) {
        unscored.add(e);
      } else {
        now.put(e, s);
      }
    }
    now.putAll(SliceMetrics.score(network, unscored));
    // examples that left the slice are dropped, so this holds at most the slice
    scores = now;
    return SliceMetrics.of(examples, now);
  }

  @Override
  public void close() {
    network.close();
  }
}
