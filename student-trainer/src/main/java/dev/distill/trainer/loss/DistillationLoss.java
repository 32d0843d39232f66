package dev.distill.trainer.loss;

import ai.djl.ndarray.NDArray;

/**
 * {@code L = mean_i [ alpha * T_i^2 * CE(q_i, softmax(s_i / T_i)) + (1 - alpha) * m_i * CE(y_i, softmax(s_i)) ]}
 * where {@code m_i} is 1 when record i has a hard label, else 0. The {@code T^2} factor stays also
 * for unlabelled records: it keeps the soft gradient, {@code alpha * T * (softmax(s/T) - q)}, of
 * the same size whatever the temperature. {@code alpha = 0} is plain hard-label training (the
 * baseline student); its unlabelled records then contribute nothing.
 */
public final class DistillationLoss {
  private final float alpha;

  /** @param alpha weight of the soft term, in [0, 1] */
  public DistillationLoss(float alpha) {
    if (!(alpha >= 0 && alpha <= 1)) {
      throw new IllegalArgumentException("alpha must be in [0, 1], got " + alpha);
    }
    this.alpha = alpha;
  }

  public float alpha() {
    return alpha;
  }

  /** The loss of a batch, its two terms as batch means (unweighted by alpha) and the total to differentiate. */
  public record Terms(NDArray total, NDArray soft, NDArray hard) {}

  /**
   * @param logits      student logits {@code s}, {@code [N, C]}
   * @param softTargets teacher probabilities at each record's temperature {@code q}, {@code [N, C]}
   * @param temperature each record's {@code T}, {@code [N, 1]}
   * @param labels      one-hot hard labels, {@code [N, C]}; a row of zeros where there is no label
   * @param labelled    1 where a record has a hard label, else 0, {@code [N]}
   */
  public Terms evaluate(NDArray logits, NDArray softTargets, NDArray temperature, NDArray labels, NDArray labelled) {
    NDArray t = temperature.reshape(-1);
    // cross-entropy of q against softmax(s/T): -sum_c q_c log softmax(s/T)_c, one value per record
    NDArray softCe = softTargets.mul(logits.div(temperature).logSoftmax(1)).sum(new int[] {1}).neg();
    NDArray soft = softCe.mul(t.square());
    NDArray hardCe = labels.mul(logits.logSoftmax(1)).sum(new int[] {1}).neg();
    NDArray hard = hardCe.mul(labelled);
    NDArray total = soft.mul(alpha).add(hard.mul(1 - alpha)).mean();
    return new Terms(total, soft.mean(), hard.mean());
  }
}
