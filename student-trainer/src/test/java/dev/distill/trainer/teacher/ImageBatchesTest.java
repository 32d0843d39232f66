package dev.distill.trainer.teacher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.contract.data.LabelledImages;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ImageBatchesTest {
  // a 3x3 image with pixels 1..9, row-major
  private static final byte[] NINE = {1, 2, 3, 4, 5, 6, 7, 8, 9};

  private static float[] shifted(int dx, int dy) {
    float[] out = new float[9];
    ImageBatches.shift(NINE, 0, 3, 3, dx, dy, out, 0);
    return out;
  }

  @Test
  void aShiftMovesThePixelsAndFillsWithBackground() {
    assertThat(shifted(0, 0)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9);
    assertThat(shifted(1, 0)).as("one right").containsExactly(0, 1, 2, 0, 4, 5, 0, 7, 8);
    assertThat(shifted(0, -1)).as("one up").containsExactly(4, 5, 6, 7, 8, 9, 0, 0, 0);
    assertThat(shifted(-2, 2)).as("two left, two down").containsExactly(0, 0, 0, 0, 0, 0, 3, 0, 0);
  }

  @Test
  void pixelsKeepTheirRawUnsignedValues() {
    float[] out = new float[1];
    ImageBatches.shift(new byte[] {(byte) 255}, 0, 1, 1, 0, 0, out, 0);
    assertThat(out).containsExactly(255f);
  }

  @Test
  void anEpochVisitsEveryImageOnceInAnOrderTheSeedFixes() {
    LabelledImages images = new LabelledImages("mnist", "train", 1, 1, new byte[100], new byte[100]);
    int[] a = new ImageBatches(images, 60, false, new Random(3)).shuffledOrder();
    int[] b = new ImageBatches(images, 60, false, new Random(3)).shuffledOrder();

    assertThat(a).isEqualTo(b);
    assertThat(a).isNotEqualTo(range(60));
    assertThat(Arrays.stream(a).sorted().toArray()).isEqualTo(range(60));
  }

  @Test
  void withoutJitterABatchHoldsTheImagesAndLabelsAsTheyAre() {
    LabelledImages images = new LabelledImages("mnist", "train", 3, 3,
        concat(NINE, new byte[] {9, 8, 7, 6, 5, 4, 3, 2, 1}), new byte[] {4, 2});
    float[] features = new float[2 * 9];
    long[] labels = new long[2];

    new ImageBatches(images, 2, false, new Random(1)).fill(new int[] {1, 0}, 0, 2, features, labels);

    assertThat(features).containsExactly(9, 8, 7, 6, 5, 4, 3, 2, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    assertThat(labels).containsExactly(2, 4);
  }

  @Test
  void jitterShiftsByAtMostTwoPixelsAndKeepsTheLabel() {
    // one lit pixel in the middle of a 7x7 image: wherever it lands tells the shift
    byte[] dot = new byte[49];
    dot[3 * 7 + 3] = (byte) 200;
    LabelledImages images = new LabelledImages("mnist", "train", 7, 7, dot, new byte[] {6});
    ImageBatches batches = new ImageBatches(images, 1, true, new Random(11));
    boolean[] seen = new boolean[49];
    for (int draw = 0; draw < 500; draw++) {
      float[] features = new float[49];
      long[] labels = new long[1];
      batches.fill(new int[] {0}, 0, 1, features, labels);
      int at = indexOf(features, 200f);
      assertThat(Math.abs(at / 7 - 3)).isLessThanOrEqualTo(ImageBatches.MAX_SHIFT);
      assertThat(Math.abs(at % 7 - 3)).isLessThanOrEqualTo(ImageBatches.MAX_SHIFT);
      assertThat(labels).containsExactly(6);
      seen[at] = true;
    }
    int positions = 0;
    for (boolean s : seen) {
      positions += s ? 1 : 0;
    }
    assertThat(positions).as("all 5x5 shifts occur").isEqualTo(25);
  }

  private static int indexOf(float[] a, float v) {
    for (int i = 0; i < a.length; i++) {
      if (a[i] == v) {
        return i;
      }
    }
    return -1;
  }

  private static int[] range(int n) {
    int[] r = new int[n];
    Arrays.setAll(r, i -> i);
    return r;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
