package dev.distill.scorer.topology;

import dev.distill.contract.proto.Sample;
import dev.distill.contract.proto.SoftTarget;
import dev.distill.contract.proto.TopK;
import dev.distill.scorer.teacher.Teacher;
import java.time.Clock;

/** Writes a teacher's distribution for a sample as a {@link SoftTarget}, dense or top-k. */
final class SoftTargetEncoder {
  private final float temperature;
  private final int topK;
  private final Clock clock;

  SoftTargetEncoder(ScoringOptions options, Clock clock) {
    this.temperature = (float) options.temperature();
    this.topK = options.topK();
    this.clock = clock;
  }

  /** @param q the teacher's distribution at T (double precision), stored as floats */
  SoftTarget encode(Sample s, Teacher t, double[] q) {
    SoftTarget.Builder b = SoftTarget.newBuilder()
        .setSampleId(s.getId())
        .setEventTimeMs(s.getEventTimeMs())
        .setSource(s.getSource())
        .setNumClasses(q.length)
        .setTemperature(temperature)
        .setTeacherId(t.id())
        .setTeacherVersion(t.versionLabel())
        .setEnsembleSize(t.ensembleSize())
        .setScoredAtMs(clock.millis());
    if (s.hasFeatures()) {
      b.setFeatures(s.getFeatures());
    }
    b.putAllTensors(s.getTensorsMap());
    if (s.hasLabel()) {
      b.setLabel(s.getLabel());
    }
    if (topK == 0 || topK >= q.length) {
      for (double p : q) {
        b.addProbs((float) p);
      }
    } else {
      b.setTopK(topK(q, topK));
    }
    return b.build();
  }

  /**
   * The k largest probabilities (ties: the lower class first) and the mass of the others, which
   * a reader spreads evenly over them ({@code SoftTargets.dense}).
   */
  static TopK topK(double[] q, int k) {
    boolean[] taken = new boolean[q.length];
    TopK.Builder t = TopK.newBuilder();
    double listed = 0;
    // k passes of a linear scan: k and C are small (tens to thousands), and it needs no boxing
    for (int j = 0; j < k; j++) {
      int best = -1;
      for (int c = 0; c < q.length; c++) {
        if (!taken[c] && (best < 0 || q[c] > q[best])) {
          best = c;
        }
      }
      taken[best] = true;
      t.addIndices(best).addProbs((float) q[best]);
      listed += q[best];
    }
    return t.setResidual((float) Math.max(0.0, 1.0 - listed)).build();
  }
}
