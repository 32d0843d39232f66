package dev.distill.client.agent;

import dev.distill.client.agent.ModelRuntime.LoadedModel;

/**
 * Whether a freshly loaded model can serve: it answers two probe inputs (all zeros, and a
 * ramp over the raw pixel range) with finite logits whose softmax is a finite probability
 * distribution. It says nothing about accuracy: that is for the rollout's gates.
 */
final class HealthCheck {
  private HealthCheck() {}

  /** @return null when healthy, else what is wrong */
  static String probe(LoadedModel model) {
    int d = model.inputSize();
    float[] probes = new float[2 * d];
    for (int i = 0; i < d; i++) {
      probes[d + i] = (i * 255f) / Math.max(1, d - 1);
    }
    float[][] logits;
    try {
      logits = model.logits(probes, 2);
    } catch (Exception e) {
      return "fails on a probe input: " + e.getMessage();
    }
    if (logits == null || logits.length != 2 || logits[0].length == 0) {
      return "answers a probe with no logits";
    }
    for (float[] row : logits) {
      double max = Double.NEGATIVE_INFINITY;
      for (float v : row) {
        if (!Float.isFinite(v)) {
          return "answers a probe with non-finite logits";
        }
        max = Math.max(max, v);
      }
      double sum = 0;
      for (float v : row) {
        sum += Math.exp(v - max);
      }
      if (!Double.isFinite(sum) || sum < 1) {
        return "answers a probe with logits whose softmax is not a distribution";
      }
    }
    return null;
  }
}
