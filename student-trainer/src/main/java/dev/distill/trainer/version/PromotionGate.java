package dev.distill.trainer.version;

import java.util.Locale;
import java.util.Map;

/**
 * Publishes a candidate only if its accuracy is not worse than the published version's by more
 * than {@code margin} (absolute, e.g. 0.005 = half a point). The accuracy compared is the holdout
 * accuracy when both have one, else the prequential (test-then-train) accuracy. A candidate whose
 * accuracy is not a number never passes: a diverged model is never published.
 */
public record PromotionGate(double margin) {
  public static final String HOLDOUT = "holdout_accuracy";
  public static final String PREQUENTIAL = "prequential_accuracy";

  public PromotionGate {
    if (!(margin >= 0 && margin <= 1)) {
      throw new IllegalArgumentException("the gate margin must be in [0, 1], got " + margin);
    }
  }

  /** The decision, with a reason fit for a log line. */
  public record Decision(boolean publish, String reason) {}

  public Decision decide(Map<String, Double> candidate, Map<String, Double> published) {
    String metric = candidate.containsKey(HOLDOUT) && (published.isEmpty() || published.containsKey(HOLDOUT))
        ? HOLDOUT : PREQUENTIAL;
    Double c = candidate.get(metric);
    if (c == null || !Double.isFinite(c)) {
      return new Decision(false, metric + " of the candidate is " + c);
    }
    Double p = published.get(metric);
    if (p == null) {
      return new Decision(true, String.format(Locale.ROOT, "first version (%s %.4f)", metric, c));
    }
    if (c >= p - margin) {
      return new Decision(true, String.format(Locale.ROOT, "%s %.4f vs %.4f published (margin %.4f)", metric, c, p,
          margin));
    }
    return new Decision(false, String.format(Locale.ROOT, "%s %.4f is worse than the published %.4f by more than %.4f",
        metric, c, p, margin));
  }
}
