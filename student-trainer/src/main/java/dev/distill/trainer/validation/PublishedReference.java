package dev.distill.trainer.validation;

import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.distill.contract.model.Architecture;
import dev.distill.trainer.engine.TrainingEngine;
import dev.distill.trainer.model.Network;
import dev.distill.trainer.model.StudentInputs;
import dev.distill.trainer.stream.ResumeState;
import java.util.Map;

/**
 * An inference-only copy of the published version, so that the gate measures it on the same
 * validation slice as the candidate at the moment of the decision (the slice changes between
 * decisions, and a figure from an earlier slice is not comparable). Its weights are the
 * published version's, which the trainer's checkpoint carries.
 */
public final class PublishedReference implements AutoCloseable {
  private final Network network;
  private boolean loaded;

  /** Builds the network; create it after the learner, so its initial draw does not shift the learner's. */
  public PublishedReference(TrainingEngine engine, Architecture architecture, StudentInputs inputs) {
    this.network = Network.create(engine, architecture, inputs, 0f);
    network.initialize();
  }

  /** Takes the weights of a resume state (the checkpoint keeps the published version's, without moments). */
  public void load(byte[] resumeState) {
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
    return SliceMetrics.measure(network, slice.examples());
  }

  @Override
  public void close() {
    network.close();
  }
}
