package dev.distill.trainer.stream;

import dev.distill.trainer.model.Feed;
import dev.distill.trainer.model.StudentInputs;
import java.util.ArrayList;
import java.util.List;

/**
 * Stacks examples' inputs into one feed per student input, row-major. Sequences of different
 * lengths (token ids and masks) are padded with 0 to the longest in the rows: 0 is padding to a
 * token student (masked out, or the pad id), so padding never changes a row's logits.
 */
public final class Rows {
  private Rows() {}

  public static List<Feed> stack(StudentInputs inputs, List<Example> rows) {
    List<Feed> out = new ArrayList<>(inputs.inputs().size());
    for (int i = 0; i < inputs.inputs().size(); i++) {
      int width = 0;
      for (Example e : rows) {
        width = Math.max(width, e.inputs().get(i).length());
      }
      if (inputs.inputs().get(i).integer()) {
        long[] v = new long[rows.size() * width];
        for (int r = 0; r < rows.size(); r++) {
          long[] row = ((Feed.Longs) rows.get(r).inputs().get(i)).values();
          System.arraycopy(row, 0, v, r * width, row.length);
        }
        out.add(new Feed.Longs(v));
      } else {
        float[] v = new float[rows.size() * width];
        for (int r = 0; r < rows.size(); r++) {
          float[] row = ((Feed.Floats) rows.get(r).inputs().get(i)).values();
          if (row.length != width) {
            throw new IllegalArgumentException("float input " + i + " has rows of " + row.length + " and " + width
                + " values: only integer sequences are padded");
          }
          System.arraycopy(row, 0, v, r * width, width);
        }
        out.add(new Feed.Floats(v));
      }
    }
    return out;
  }

  /** The probabilities, temperatures and labels beside {@link #stack}, as a {@link Batch}. */
  public static Batch batch(StudentInputs inputs, List<Example> rows, int fresh, int classes) {
    float[] q = new float[rows.size() * classes];
    float[] temps = new float[rows.size()];
    int[] labels = new int[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      Example e = rows.get(i);
      System.arraycopy(e.probs(), 0, q, i * classes, classes);
      temps[i] = e.temperature();
      labels[i] = e.label();
    }
    return new Batch(rows.size(), fresh, stack(inputs, rows), q, temps, labels);
  }
}
