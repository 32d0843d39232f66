package dev.distill.trainer.stream;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.optimizer.Optimizer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam or SGD with momentum whose state (moments, step count) can be read out and restored, which
 * DJL's own optimizers do not allow (their state is private and keyed by parameter ids that are
 * random per process). State is keyed by the parameter's stable name in the block.
 *
 * <p>Like DJL's own PyTorch updates ({@code adamUpdate}, {@code sgdUpdate}), an update zeroes the
 * weight's gradient once it has used it: PyTorch accumulates gradients across backward passes and
 * DJL's {@code GradientCollector} does not clear them, so without this every step would apply the
 * sum of all gradients so far.
 *
 * <p>Every temporary of an update lives in a sub-manager closed at the end of the update, so a
 * long run does not grow memory; moments and weights are changed in place.
 */
public final class ResumableOptimizer extends Optimizer {
  /** Which update rule. */
  public enum Kind { ADAM, SGD }

  static final float BETA1 = 0.9f;
  static final float BETA2 = 0.999f;
  static final float EPSILON = 1e-8f;

  private final Kind kind;
  private final LearningRate schedule;
  private final float momentum;
  private final Map<String, String> nameOfId;
  private final Map<String, NDArray[]> state = new HashMap<>();
  private long step;

  /**
   * @param nameOfId the block's parameter ids to their stable names
   * @param momentum SGD momentum (ignored by Adam)
   */
  public ResumableOptimizer(Kind kind, LearningRate schedule, float momentum, Map<String, String> nameOfId) {
    super(new Builder());
    this.kind = kind;
    this.schedule = schedule;
    this.momentum = momentum;
    this.nameOfId = Map.copyOf(nameOfId);
  }

  /** Counts one optimizer step; call once before each {@code trainer.step()}. */
  void beginStep() {
    step++;
  }

  public long step() {
    return step;
  }

  public Kind kind() {
    return kind;
  }

  float currentLearningRate() {
    return schedule.at(step);
  }

  @Override
  public void update(String parameterId, NDArray weight, NDArray grad) {
    String name = nameOfId.getOrDefault(parameterId, parameterId);
    float lr = schedule.at(step);
    // PyTorch grad mode is per thread and on by default on a new thread: in-place updates of
    // leaf weights are only legal with it off
    boolean gradMode = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try (NDManager scratch = weight.getManager().newSubManager()) {
      NDArray g = grad.duplicate();
      g.attach(scratch);
      if (kind == Kind.SGD) {
        NDArray[] s = state.computeIfAbsent(name, k -> new NDArray[] {weight.zerosLike()});
        s[0].muli(momentum).addi(g); // v = mu * v + g
        NDArray delta = s[0].duplicate();
        delta.attach(scratch);
        weight.subi(delta.muli(lr));
      } else {
        NDArray[] s = state.computeIfAbsent(name, k -> new NDArray[] {weight.zerosLike(), weight.zerosLike()});
        s[0].muli(BETA1).addi(g.mul(1 - BETA1));
        s[1].muli(BETA2).addi(g.square().muli(1 - BETA2));
        double bc1 = 1 - Math.pow(BETA1, step);
        double bc2 = 1 - Math.pow(BETA2, step);
        NDArray denom = s[1].duplicate();
        denom.attach(scratch);
        denom = denom.divi((float) bc2).sqrt().addi(EPSILON);
        NDArray delta = s[0].duplicate();
        delta.attach(scratch);
        weight.subi(delta.muli((float) (lr / bc1)).divi(denom));
      }
      // PyTorch accumulates into .grad; the next backward must start from zero
      JniUtils.zeroGrad((PtNDArray) weight);
    } finally {
      JniUtils.setGradMode(gradMode);
    }
  }

  /** Moments by parameter name, as float arrays (one for SGD, two for Adam). */
  Map<String, List<float[]>> exportState() {
    Map<String, List<float[]>> out = new HashMap<>();
    state.forEach((name, arrays) -> {
      float[][] copy = new float[arrays.length][];
      for (int i = 0; i < arrays.length; i++) {
        copy[i] = arrays[i].toFloatArray();
      }
      out.put(name, List.of(copy));
    });
    return out;
  }

  /** Restores moments saved by {@link #exportState}, shaped like each named weight. */
  void importState(long step, Map<String, List<float[]>> moments, Map<String, NDArray> weightsByName) {
    this.step = step;
    state.values().forEach(a -> {
      for (NDArray x : a) {
        x.close();
      }
    });
    state.clear();
    moments.forEach((name, arrays) -> {
      NDArray w = weightsByName.get(name);
      if (w == null) {
        throw new IllegalArgumentException("resume state names parameter " + name + ", which the student lacks");
      }
      NDArray[] restored = new NDArray[arrays.size()];
      for (int i = 0; i < restored.length; i++) {
        restored[i] = w.zerosLike();
        restored[i].set(arrays.get(i));
      }
      state.put(name, restored);
    });
  }

  private static final class Builder extends OptimizerBuilder<Builder> {
    @Override
    protected Builder self() {
      return this;
    }
  }
}
