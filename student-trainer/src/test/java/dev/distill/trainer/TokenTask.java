package dev.distill.trainer;

import dev.distill.contract.model.Preprocess;
import dev.distill.contract.model.TeacherManifest;
import dev.distill.contract.model.TensorSpec;
import dev.distill.trainer.model.Feed;
import dev.distill.trainer.stream.Batch;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The synthetic token-bag task of {@code tools/fixtures/README.md}, drawn with Java's own random
 * numbers: ids 0..63, 0 padding; class k's keywords are ids {@code 1+8k .. 8+8k}; 33..63 neutral;
 * the label's keywords always outnumber any other class's, so a perfect classifier exists.
 */
public final class TokenTask {
  public static final int VOCAB = 64;
  public static final int CLASSES = 4;
  public static final int MAX_LENGTH = 16;

  /** {@code rows x MAX_LENGTH} ids and mask, row-major, and each row's label and real length. */
  public record Samples(long[] ids, long[] mask, int[] labels, int[] lengths) {
    public int rows() {
      return labels.length;
    }
  }

  private TokenTask() {}

  /** The token-bag fixture teacher's interface, with its {@code attention_mask} or without. */
  public static TeacherManifest manifest(boolean withMask) {
    TeacherManifest.Input ids = new TeacherManifest.Input(TensorSpec.parse("input_ids=int64[N,seq]"), "",
        Preprocess.IDENTITY);
    TeacherManifest.Input mask = new TeacherManifest.Input(TensorSpec.parse("attention_mask=int64[N,seq]"), "",
        Preprocess.IDENTITY);
    return new TeacherManifest(withMask ? List.of(ids, mask) : List.of(ids),
        new TeacherManifest.Output("logits", TeacherManifest.OutputKind.LOGITS, CLASSES), List.of("a", "b", "c", "d"),
        Map.of());
  }

  /** The samples as the student's inputs: ids, and the mask when the teacher takes one. */
  public static List<Feed> feeds(Samples s, boolean withMask) {
    return withMask ? List.of(new Feed.Longs(s.ids()), new Feed.Longs(s.mask())) : List.of(new Feed.Longs(s.ids()));
  }

  /** A fresh batch whose soft targets are the labels themselves (T = 1). */
  public static Batch batch(Samples s, boolean withMask) {
    int n = s.rows();
    float[] q = new float[n * CLASSES];
    float[] t = new float[n];
    for (int i = 0; i < n; i++) {
      q[i * CLASSES + s.labels()[i]] = 1;
      t[i] = 1;
    }
    return new Batch(n, n, feeds(s, withMask), q, t, s.labels());
  }

  public static Samples draw(Random rnd, int rows) {
    long[] ids = new long[rows * MAX_LENGTH];
    long[] mask = new long[rows * MAX_LENGTH];
    int[] labels = new int[rows];
    int[] lengths = new int[rows];
    for (int r = 0; r < rows; r++) {
      int length = 4 + rnd.nextInt(13);
      int k = rnd.nextInt(CLASSES);
      int keywords = Math.min(2 + rnd.nextInt(3), length);
      int others = Math.min(rnd.nextInt(2), length - keywords);
      int other = (k + 1 + rnd.nextInt(CLASSES - 1)) % CLASSES;
      List<Integer> tokens = new ArrayList<>();
      for (int i = 0; i < keywords; i++) {
        tokens.add(1 + 8 * k + rnd.nextInt(8));
      }
      for (int i = 0; i < others; i++) {
        tokens.add(1 + 8 * other + rnd.nextInt(8));
      }
      while (tokens.size() < length) {
        tokens.add(33 + rnd.nextInt(31));
      }
      Collections.shuffle(tokens, rnd);
      for (int i = 0; i < length; i++) {
        ids[r * MAX_LENGTH + i] = tokens.get(i);
        mask[r * MAX_LENGTH + i] = 1;
      }
      labels[r] = k;
      lengths[r] = length;
    }
    return new Samples(ids, mask, labels, lengths);
  }
}
