package dev.distill.trainer.stream;

import dev.distill.trainer.model.Feed;
import java.util.List;

/**
 * One soft target as the trainer keeps it: in a batch, the replay buffer or the validation slice.
 *
 * @param id          the sample id (the record key's meaning; it decides the validation slice)
 * @param inputs      the sample's raw values, one feed of one row per student input, in the
 *                    order of the student's inputs (a token sequence keeps its own length)
 * @param probs       the teacher's probabilities at {@code temperature}, {@code C} of them
 * @param temperature the T the teacher's probabilities were softened with
 * @param label       the hard label, or -1 where there is none
 */
public record Example(String id, List<Feed> inputs, float[] probs, float temperature, int label) {
  public Example {
    inputs = List.copyOf(inputs);
  }

  /** An example of a student with one float input, e.g. the legacy {@code pixels [N, D]}. */
  public Example(String id, float[] features, float[] probs, float temperature, int label) {
    this(id, List.of(new Feed.Floats(features)), probs, temperature, label);
  }

  public boolean labelled() {
    return label >= 0;
  }

  /** The teacher's class: the argmax of its probabilities (the first on a tie). */
  public int teacherClass() {
    int best = 0;
    for (int k = 1; k < probs.length; k++) {
      if (probs[k] > probs[best]) {
        best = k;
      }
    }
    return best;
  }
}
