package dev.distill.trainer.stream;

/**
 * One minibatch, row-major: the first {@code fresh} rows come from the stream (they count as
 * trained samples and are scored test-then-train), the rest are replayed.
 *
 * @param features     {@code rows x D} raw features
 * @param probs        {@code rows x C} teacher probabilities at each row's temperature
 * @param temperatures each row's T
 * @param labels       each row's hard label, or -1 where there is none
 */
public record Batch(int rows, int fresh, float[] features, float[] probs, float[] temperatures, int[] labels) {
  public Batch {
    if (fresh > rows || temperatures.length != rows || labels.length != rows) {
      throw new IllegalArgumentException("inconsistent batch of " + rows + " rows");
    }
  }
}
