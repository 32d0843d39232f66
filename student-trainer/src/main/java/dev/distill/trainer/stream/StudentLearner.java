package dev.distill.trainer.stream;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.util.Pair;
import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.model.Architecture;
import dev.distill.trainer.engine.TrainingEngine;
import dev.distill.trainer.loss.DistillationLoss;
import dev.distill.trainer.model.Network;
import dev.distill.trainer.model.StudentInputs;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A student network and the one DJL {@link Trainer} it learns with for the life of the process
 * (re-creating trainers leaks gradient arrays). Each step's arrays live in a sub-manager freed
 * with the step.
 */
public final class StudentLearner implements AutoCloseable {
  private static final int EVAL_BATCH = 500;

  private final TrainingEngine engine;
  private final Network network;
  private final Trainer trainer;
  private final ResumableOptimizer optimizer;
  private final DistillationLoss loss;
  private final Map<String, Parameter> parameters = new LinkedHashMap<>();

  /** A student on the legacy input, {@code pixels [N, D]} of raw pixel values 0..255. */
  public StudentLearner(TrainingEngine engine, Architecture architecture, ResumableOptimizer.Kind kind,
      LearningRate rate, float momentum, float alpha, int seed) {
    this(engine, architecture, StudentInputs.pixels(architecture.inputSize()), kind, rate, momentum, alpha, seed);
  }

  /**
   * A student on the given inputs, e.g. {@link StudentInputs#of} the teacher's manifest.
   *
   * @throws IllegalArgumentException when the architecture cannot take the inputs
   */
  public StudentLearner(TrainingEngine engine, Architecture architecture, StudentInputs inputs,
      ResumableOptimizer.Kind kind, LearningRate rate, float momentum, float alpha, int seed) {
    this.engine = engine;
    this.loss = new DistillationLoss(alpha);
    engine.seed(seed);
    this.network = Network.create(engine, architecture, inputs, 0f);
    // the parameters exist once the block is initialized; their ids are needed before the trainer exists
    network.initialize();
    Map<String, String> nameOfId = new HashMap<>();
    for (Pair<String, Parameter> p : network.model().getBlock().getParameters()) {
      parameters.put(p.getKey(), p.getValue());
      nameOfId.put(p.getValue().getId(), p.getKey());
    }
    this.optimizer = new ResumableOptimizer(kind, rate, momentum, nameOfId);
    // the loss given to DJL is never called: the distillation loss is computed by hand below
    DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
        .optOptimizer(optimizer)
        .optDevices(new Device[] {engine.device()});
    this.trainer = network.model().newTrainer(config);
    trainer.initialize(network.inputShapes(1));
  }

  public StepResult step(Batch b) {
    int c = network.classes();
    try (NDManager sm = trainer.getManager().newSubManager()) {
      NDList x = network.arrays(sm, b.inputs(), b.rows());
      NDArray q = sm.create(b.probs(), new Shape(b.rows(), c));
      NDArray t = sm.create(b.temperatures(), new Shape(b.rows(), 1));
      float[] oneHot = new float[b.rows() * c];
      float[] labelled = new float[b.rows()];
      for (int i = 0; i < b.rows(); i++) {
        if (b.labels()[i] >= 0) {
          oneHot[i * c + b.labels()[i]] = 1;
          labelled[i] = 1;
        }
      }
      NDArray y = sm.create(oneHot, new Shape(b.rows(), c));
      NDArray m = sm.create(labelled);
      int[] predictions;
      DistillationLoss.Terms terms;
      float total;
      try (GradientCollector gc = trainer.newGradientCollector()) {
        NDArray logits = trainer.forward(x).singletonOrThrow();
        predictions = argmaxRows(logits.toFloatArray(), b.fresh(), c);
        terms = loss.evaluate(logits, q, t, y, m);
        total = terms.total().getFloat();
        if (!Float.isFinite(total)) {
          return new StepResult(true, total, Double.NaN, Double.NaN, predictions);
        }
        gc.backward(terms.total());
      }
      optimizer.beginStep();
      trainer.step();
      return new StepResult(false, total, terms.soft().getFloat(), terms.hard().getFloat(), predictions);
    }
  }

  static int[] argmaxRows(float[] scores, int rows, int width) {
    int[] out = new int[rows];
    for (int i = 0; i < rows; i++) {
      int best = 0;
      for (int k = 1; k < width; k++) {
        if (scores[i * width + k] > scores[i * width + best]) {
          best = k;
        }
      }
      out[i] = best;
    }
    return out;
  }

  /** Accuracy of the current weights on labelled images (inference, no dropout), for a one-input student. */
  public double accuracy(LabelledImages images) {
    int c = network.classes();
    int d = images.pixelsPerImage();
    int correct = 0;
    for (int from = 0; from < images.count(); from += EVAL_BATCH) {
      int n = Math.min(EVAL_BATCH, images.count() - from);
      float[] x = new float[n * d];
      byte[] px = images.pixels();
      int off = images.imageOffset(from);
      for (int j = 0; j < n * d; j++) {
        x[j] = px[off + j] & 0xff;
      }
      try (NDManager call = network.model().getNDManager().newSubManager()) {
        int[] pred = argmaxRows(network.logits(call, x, n), n, c);
        for (int i = 0; i < n; i++) {
          if (pred[i] == images.label(from + i)) {
            correct++;
          }
        }
      }
    }
    return correct / (double) images.count();
  }

  /** False when any weight is NaN or infinite: such a model is never published. */
  public boolean weightsFinite() {
    for (Parameter p : parameters.values()) {
      for (float v : p.getArray().toFloatArray()) {
        if (!Float.isFinite(v)) {
          return false;
        }
      }
    }
    return true;
  }

  /** Weights and optimizer state, in {@link ResumeState}'s format. */
  public byte[] resumeState() {
    Map<String, float[]> weights = new LinkedHashMap<>();
    parameters.forEach((name, p) -> weights.put(name, p.getArray().toFloatArray()));
    return new ResumeState(optimizer.kind().name(), optimizer.step(), weights, optimizer.exportState()).toBytes();
  }

  /** Loads what {@link #resumeState} saved (the same architecture and optimizer). */
  public void restore(byte[] bytes) {
    ResumeState s = ResumeState.fromBytes(bytes);
    if (!s.optimizer().equals(optimizer.kind().name())) {
      throw new IllegalStateException("the resume state was saved by " + s.optimizer() + ", this trainer runs "
          + optimizer.kind() + ": change the optimizer back, or train under a new model name");
    }
    Map<String, NDArray> byName = new HashMap<>();
    parameters.forEach((name, p) -> {
      float[] w = s.weights().get(name);
      if (w == null || w.length != p.getArray().size()) {
        throw new IllegalStateException("the resume state does not fit parameter " + name + " of " + network);
      }
      p.getArray().set(w);
      byName.put(name, p.getArray());
    });
    optimizer.importState(s.step(), s.moments(), byName);
  }

  public Network network() {
    return network;
  }

  public long optimizerSteps() {
    return optimizer.step();
  }

  public TrainingEngine engine() {
    return engine;
  }

  @Override
  public void close() {
    trainer.close();
    network.close();
  }
}
