package dev.distill.trainer.version;

import java.util.Locale;
import java.util.Map;

/**
 * Decides whether a candidate is published, from its {@code validation_*} metrics and the
 * published version's, both measured on the same validation slice. Until the slice holds {@code
 * minExamples} no candidate is judged (and none published). With at least {@code minLabels}
 * labelled examples in the slice the gate compares accuracy, otherwise agreement with the
 * teacher; the candidate passes if it is not worse than the published version by more than
 * {@code margin} (absolute, e.g. 0.005 = half a point). A candidate whose metric is not a number
 * never passes: a diverged model is never published.
 */
public record PromotionGate(double margin, int minExamples, int minLabels) {
  public static final String EXAMPLES = "validation_examples";
  public static final String LABELLED = "validation_labelled";
  public static final String ACCURACY = "validation_accuracy";
  public static final String AGREEMENT = "validation_agreement";
  public static final String PREQUENTIAL = "prequential_accuracy";

  public PromotionGate {
    if (!(margin >= 0 && margin <= 1) || minExamples < 1 || minLabels < 1) {
      throw new IllegalArgumentException("the gate needs a margin in [0, 1] and minimums of at least 1, got " + margin
          + ", " + minExamples + ", " + minLabels);
    }
  }

  public enum Verdict {
    PUBLISH, REJECT,
    /** The validation slice is too small to judge on: neither published nor counted as a rejection. */
    NOT_JUDGED
  }

  /** The decision, with a reason fit for a log line (it names the metric and the counts). */
  public record Decision(Verdict verdict, String reason) {
    public boolean publish() {
      return verdict == Verdict.PUBLISH;
    }

    public static Decision reject(String reason) {
      return new Decision(Verdict.REJECT, reason);
    }
  }

  /**
   * @param candidate the candidate's metrics
   * @param published the published version's metrics on the same slice; empty when there is none
   */
  public Decision decide(Map<String, Double> candidate, Map<String, Double> published) {
    long examples = Math.round(candidate.getOrDefault(EXAMPLES, 0.0));
    long labelled = Math.round(candidate.getOrDefault(LABELLED, 0.0));
    if (examples < minExamples) {
      return new Decision(Verdict.NOT_JUDGED, String.format(Locale.ROOT,
          "not judged: the validation slice holds %d of the %d examples it needs", examples, minExamples));
    }
    String metric = labelled >= minLabels ? ACCURACY : AGREEMENT;
    String counts = String.format(Locale.ROOT, "on %d validation examples, %d labelled", examples, labelled);
    Double c = candidate.get(metric);
    if (c == null || !Double.isFinite(c)) {
      return Decision.reject(metric + " of the candidate is " + c + " " + counts);
    }
    Double p = published.get(metric);
    if (published.isEmpty()) {
      return new Decision(Verdict.PUBLISH, String.format(Locale.ROOT, "first version (%s %.4f %s)", metric, c,
          counts));
    }
    if (p == null || !Double.isFinite(p)) {
      return new Decision(Verdict.PUBLISH, String.format(Locale.ROOT,
          "%s %.4f %s; the published version has no %s to compare", metric, c, counts, metric));
    }
    if (c >= p - margin) {
      return new Decision(Verdict.PUBLISH, String.format(Locale.ROOT, "%s %.4f vs %.4f published (margin %.4f) %s",
          metric, c, p, margin, counts));
    }
    return Decision.reject(String.format(Locale.ROOT,
        "%s %.4f is worse than the published %.4f by more than %.4f %s", metric, c, p, margin, counts));
  }
}
