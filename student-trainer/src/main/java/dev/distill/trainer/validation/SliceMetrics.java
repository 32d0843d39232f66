package dev.distill.trainer.validation;

import static dev.distill.trainer.version.PromotionGate.ACCURACY;
import static dev.distill.trainer.version.PromotionGate.AGREEMENT;
import static dev.distill.trainer.version.PromotionGate.EXAMPLES;
import static dev.distill.trainer.version.PromotionGate.LABELLED;

import ai.djl.ndarray.NDManager;
import dev.distill.trainer.model.Feed;
import dev.distill.trainer.model.Network;
import dev.distill.trainer.stream.Rows;
import dev.distill.trainer.stream.Example;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a network does on the validation slice (inference, no dropout).
 *
 * @param examples  examples evaluated
 * @param labelled  of which carry a hard label
 * @param accuracy  share of the labelled ones whose label is the student's argmax (NaN without labels)
 * @param agreement share of all where the student's argmax is the teacher's
 * @param kl        mean {@code KL(q_T || softmax(s / T))} to the soft targets, in nats
 */
public record SliceMetrics(int examples, int labelled, double accuracy, double agreement, double kl) {
  public static final String KL = "validation_kl";
  private static final int BATCH = 500;

  /** What one network made of one example: all the metrics need of it. */
  public record Score(int predicted, double kl) {}

  public static SliceMetrics measure(Network network, List<Example> slice) {
    return of(slice, score(network, slice));
  }

  /**
   * Each example's score under {@code network}, by example (identity: a re-sent sample is a new
   * example): what {@link #of} aggregates, and what a network whose weights do not change can keep.
   */
  public static Map<Example, Score> score(Network network, List<Example> examples) {
    int c = network.classes();
    Map<Example, Score> out = new IdentityHashMap<>(examples.size());
    for (int from = 0; from < examples.size(); from += BATCH) {
      int n = Math.min(BATCH, examples.size() - from);
      List<Feed> x = Rows.stack(network.inputs(), examples.subList(from, from + n));
      float[] logits;
      try (NDManager call = network.model().getNDManager().newSubManager()) {
        logits = network.logits(call, x, n);
      }
      for (int i = 0; i < n; i++) {
        Example e = examples.get(from + i);
        out.put(e, new Score(argmax(logits, i * c, c), kl(e.probs(), logits, i * c, e.temperature())));
      }
    }
    return out;
  }

  /** The metrics of the slice from its examples' scores ({@link #score}), in the slice's order. */
  public static SliceMetrics of(List<Example> slice, Map<Example, Score> scores) {
    int labelled = 0;
    int correct = 0;
    int agreeing = 0;
    double kl = 0;
    for (Example e : slice) {
      Score s = scores.get(e);
      if (e.labelled()) {
        labelled++;
        correct += s.predicted() == e.label() ? 1 : 0;
      }
      agreeing += s.predicted() == e.teacherClass() ? 1 : 0;
      kl += s.kl();
    }
    int n = slice.size();
    return new SliceMetrics(n, labelled, labelled == 0 ? Double.NaN : correct / (double) labelled,
        n == 0 ? Double.NaN : agreeing / (double) n, n == 0 ? Double.NaN : kl / n);
  }

  /** The metrics under their {@code validation_*} keys; accuracy only where there were labels. */
  public Map<String, Double> asMap() {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put(EXAMPLES, (double) examples);
    m.put(LABELLED, (double) labelled);
    if (labelled > 0) {
      m.put(ACCURACY, accuracy);
    }
    m.put(AGREEMENT, agreement);
    m.put(KL, kl);
    return m;
  }

  static int argmax(float[] v, int offset, int width) {
    int best = 0;
    for (int k = 1; k < width; k++) {
      if (v[offset + k] > v[offset + best]) {
        best = k;
      }
    }
    return best;
  }

  /** {@code sum_k q_k (log q_k - log softmax(s/T)_k)}, terms with {@code q_k = 0} being 0. */
  static double kl(float[] q, float[] logits, int offset, float temperature) {
    double max = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < q.length; k++) {
      max = Math.max(max, logits[offset + k] / (double) temperature);
    }
    double sum = 0;
    for (int k = 0; k < q.length; k++) {
      sum += Math.exp(logits[offset + k] / (double) temperature - max);
    }
    double logZ = max + Math.log(sum);
    double kl = 0;
    for (int k = 0; k < q.length; k++) {
      if (q[k] > 0) {
        kl += q[k] * (Math.log(q[k]) - (logits[offset + k] / (double) temperature - logZ));
      }
    }
    return kl;
  }
}
