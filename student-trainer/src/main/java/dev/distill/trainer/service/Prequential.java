package dev.distill.trainer.service;

import dev.distill.trainer.stream.Example;
import dev.distill.trainer.stream.StepResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test-then-train figures since the last candidate: each fresh example is predicted before the
 * step that learns from it. Figures of the training stream only (the validation slice's examples
 * never pass here): a trend, not what the gate decides on.
 */
final class Prequential {
  static final String AGREEMENT = "agreement";
  static final String LOSS = "loss";

  private long labelled;
  private long correct;
  private long agreeing;
  private long fresh;
  private double lossSum;
  private long lossSteps;

  void record(List<Example> rows, StepResult s) {
    for (int i = 0; i < rows.size(); i++) {
      Example e = rows.get(i);
      int predicted = s.predictions()[i];
      if (e.labelled()) {
        labelled++;
        correct += predicted == e.label() ? 1 : 0;
      }
      agreeing += predicted == e.teacherClass() ? 1 : 0;
      fresh++;
    }
    lossSum += s.loss();
    lossSteps++;
  }

  /** {@code prequential_accuracy} (with labels), {@code agreement} and {@code loss}, where defined. */
  Map<String, Double> metrics() {
    Map<String, Double> m = new LinkedHashMap<>();
    if (labelled > 0) {
      m.put(dev.distill.trainer.version.PromotionGate.PREQUENTIAL, correct / (double) labelled);
    }
    if (fresh > 0) {
      m.put(AGREEMENT, agreeing / (double) fresh);
    }
    if (lossSteps > 0) {
      m.put(LOSS, lossSum / lossSteps);
    }
    return m;
  }

  void reset() {
    labelled = correct = agreeing = fresh = lossSteps = 0;
    lossSum = 0;
  }
}
