package dev.distill.trainer.teacher;

import dev.distill.contract.data.LabelledImages;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Minibatches of training images as the networks take them: raw pixel values (0..255) as
 * floats, row-major; in a fresh random order each epoch and, with jitter, each image shifted
 * by a random offset. Jitter is the cheap augmentation that lets a small CNN generalise past
 * the exact positions of the training digits.
 */
final class ImageBatches {
  /** Largest shift, in pixels, along each axis. */
  static final int MAX_SHIFT = 2;

  private final LabelledImages images;
  private final int count;
  private final boolean jitter;
  private final Random random;

  /**
   * @param count use the first this many images
   * @param random the only source of randomness (order and shifts), so a seed fixes both
   */
  ImageBatches(LabelledImages images, int count, boolean jitter, Random random) {
    if (count < 1 || count > images.count()) {
      throw new IllegalArgumentException("cannot train on " + count + " of " + images.count() + " images");
    }
    this.images = images;
    this.count = count;
    this.jitter = jitter;
    this.random = random;
  }

  int count() {
    return count;
  }

  int pixelsPerImage() {
    return images.pixelsPerImage();
  }

  /** A random permutation of the image indices, for one epoch. */
  int[] shuffledOrder() {
    List<Integer> order = IntStream.range(0, count).boxed().collect(Collectors.toList());
    Collections.shuffle(order, random);
    return order.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Writes images {@code order[from, from + n)} into {@code features} and their labels into {@code labels}. */
  void fill(int[] order, int from, int n, float[] features, long[] labels) {
    int size = images.pixelsPerImage();
    for (int k = 0; k < n; k++) {
      int i = order[from + k];
      int dx = jitter ? random.nextInt(2 * MAX_SHIFT + 1) - MAX_SHIFT : 0;
      int dy = jitter ? random.nextInt(2 * MAX_SHIFT + 1) - MAX_SHIFT : 0;
      shift(images.pixels(), images.imageOffset(i), images.rows(), images.cols(), dx, dy, features, k * size);
      labels[k] = images.label(i);
    }
  }

  /**
   * Copies one image as floats, moved {@code dx} pixels right and {@code dy} down; what moves in
   * from outside is 0 (the background of MNIST-like images).
   */
  static void shift(byte[] pixels, int offset, int rows, int cols, int dx, int dy, float[] out, int outOffset) {
    for (int r = 0; r < rows; r++) {
      int sr = r - dy;
      for (int c = 0; c < cols; c++) {
        int sc = c - dx;
        boolean inside = sr >= 0 && sr < rows && sc >= 0 && sc < cols;
        out[outOffset + r * cols + c] = inside ? pixels[offset + sr * cols + sc] & 0xff : 0f;
      }
    }
  }

  /** Images {@code [from, from + n)} of a split as floats, unshifted: what evaluation sees. */
  static float[] features(LabelledImages images, int from, int n) {
    int size = images.pixelsPerImage();
    float[] out = new float[n * size];
    int base = images.imageOffset(from);
    byte[] pixels = images.pixels();
    for (int j = 0; j < n * size; j++) {
      out[j] = pixels[base + j] & 0xff;
    }
    return out;
  }
}
