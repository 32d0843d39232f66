package dev.distill.trainer.stream;

import dev.distill.trainer.model.Feed;
import java.util.List;

/**
 * One minibatch, row-major: the first {@code fresh} rows come from the stream (they count as
 * trained samples and are scored test-then-train), the rest are replayed.
 *
 * @param inputs       one feed per input of the student's {@link dev.distill.trainer.model.StudentInputs},
 *                     in its order: raw values, {@code rows x} the elements of one sample
 * @param probs        {@code rows x C} teacher probabilities at each row's temperature
 * @param temperatures each row's T
 * @param labels       each row's hard label, or -1 where there is none
 */
public record Batch(int rows, int fresh, List<Feed> inputs, float[] probs, float[] temperatures, int[] labels) {
  public Batch {
    inputs = List.copyOf(inputs);
    if (fresh > rows || temperatures.length != rows || labels.length != rows || inputs.isEmpty()
        || inputs.stream().anyMatch(f -> rows == 0 ? f.length() != 0 : f.length() % rows != 0)) {
      throw new IllegalArgumentException("inconsistent batch of " + rows + " rows");
    }
  }

  /** A batch for a student with one float input, e.g. the legacy {@code pixels [N, D]}. */
  public Batch(int rows, int fresh, float[] features, float[] probs, float[] temperatures, int[] labels) {
    this(rows, fresh, List.of(new Feed.Floats(features)), probs, temperatures, labels);
  }
}
