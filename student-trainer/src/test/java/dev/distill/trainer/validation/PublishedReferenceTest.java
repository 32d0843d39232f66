package dev.distill.trainer.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import dev.distill.contract.model.Architecture;
import dev.distill.trainer.engine.TrainingEngine;
import dev.distill.trainer.model.StudentInputs;
import dev.distill.trainer.stream.Example;
import dev.distill.trainer.stream.LearningRate;
import dev.distill.trainer.stream.ResumableOptimizer;
import dev.distill.trainer.stream.StudentLearner;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PublishedReferenceTest {
  private static final Architecture ARCH = Architecture.parse("mlp:16-8-4");
  private final TrainingEngine engine = TrainingEngine.start();
  private final Random random = new Random(7);

  private Example example(int i) {
    float[] x = new float[16];
    for (int j = 0; j < x.length; j++) {
      x[j] = random.nextInt(256);
    }
    float[] q = {0.1f, 0.2f, 0.3f, 0.4f};
    return new Example("s-" + i, x, q, 2f, i % 3 == 0 ? -1 : random.nextInt(4));
  }

  /** The held-out ones of ids {@code from .. from + n - 1}. */
  private void offer(ValidationSlice slice, int from, int n) {
    for (int i = from; i < from + n; i++) {
      if (slice.holds("s-" + i)) {
        slice.offer(example(i));
      }
    }
  }

  @Test
  void keptScoresGiveTheMetricsOfScoringTheWholeSliceAgain() {
    try (StudentLearner learner = new StudentLearner(engine, ARCH, StudentInputs.pixels(16),
        ResumableOptimizer.Kind.ADAM, new LearningRate(LearningRate.Schedule.CONSTANT, 1e-3f, 1), 0.9f, 0.9f, 1);
         PublishedReference reference = new PublishedReference(engine, ARCH, StudentInputs.pixels(16))) {
      ValidationSlice slice = new ValidationSlice(0.5, 400, 1);
      offer(slice, 0, 600);
      // published as a candidate is: its weights with the scores it was judged by
      reference.load(learner.resumeState(), SliceMetrics.score(learner.network(), slice.examples()));
      for (int round = 0; round < 3; round++) {
        // examples join the slice (and, once it is full, push others out) between decisions
        offer(slice, 1_000 * (round + 1), 300);
        SliceMetrics kept = reference.measure(slice);
        SliceMetrics again = SliceMetrics.measure(learner.network(), slice.examples());
        assertThat(kept.examples()).isEqualTo(again.examples()).isEqualTo(slice.size());
        assertThat(kept.labelled()).isEqualTo(again.labelled());
        assertThat(kept.accuracy()).isEqualTo(again.accuracy());
        assertThat(kept.agreement()).isEqualTo(again.agreement());
        assertThat(kept.kl()).isCloseTo(again.kl(), offset(1e-9));
      }
      // a version loaded without scores (after a restart) scores the slice from scratch
      reference.load(learner.resumeState());
      SliceMetrics fresh = reference.measure(slice);
      assertThat(fresh.accuracy()).isEqualTo(SliceMetrics.measure(learner.network(), slice.examples()).accuracy());
    }
  }
}
