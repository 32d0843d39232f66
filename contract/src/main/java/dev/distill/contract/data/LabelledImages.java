package dev.distill.contract.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * One split of a data set held in memory: {@code count()} images of {@code rows x cols} unsigned grey
 * pixels, row-major, image after image, and one unsigned label per image.
 *
 * <p>The arrays are shared, not copied: a training split is 47 MB and is handed around whole. Callers
 * that need to modify an image take {@link #image(int)}, which is a copy.
 *
 * @param dataset the data set's command-line name, e.g. {@code mnist}
 * @param split   the split's command-line name, e.g. {@code test}
 */
public record LabelledImages(String dataset, String split, int rows, int cols, byte[] pixels, byte[] labels) {

    public LabelledImages {
        Objects.requireNonNull(dataset, "dataset");
        Objects.requireNonNull(split, "split");
        Objects.requireNonNull(pixels, "pixels");
        Objects.requireNonNull(labels, "labels");
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("image size must be positive, got " + rows + "x" + cols);
        }
        if ((long) labels.length * rows * cols != pixels.length) {
            throw new IllegalArgumentException(labels.length + " labels need " + (long) labels.length * rows * cols
                    + " pixels of " + rows + "x" + cols + ", got " + pixels.length);
        }
    }

    public int count() {
        return labels.length;
    }

    public int pixelsPerImage() {
        return rows * cols;
    }

    /** A copy of image {@code i}, row-major. */
    public byte[] image(int i) {
        Objects.checkIndex(i, count());
        int size = pixelsPerImage();
        return Arrays.copyOfRange(pixels, i * size, (i + 1) * size);
    }

    /** Offset of image {@code i} in {@link #pixels()}, for callers that read it in place. */
    public int imageOffset(int i) {
        Objects.checkIndex(i, count());
        return i * pixelsPerImage();
    }

    /** Images {@code from} to {@code from + n - 1}, row-major, their pixels as floats 0..255 (raw values). */
    public float[] floats(int from, int n) {
        Objects.checkFromIndexSize(from, n, count());
        int off = from * pixelsPerImage();
        float[] out = new float[n * pixelsPerImage()];
        for (int j = 0; j < out.length; j++) {
            out[j] = pixels[off + j] & 0xff;
        }
        return out;
    }

    /** The label of image {@code i}, 0..255. */
    public int label(int i) {
        return labels[i] & 0xff;
    }

    /**
     * How many images carry each label: element {@code k} counts label {@code k}. The array is as long as
     * the largest label plus one (empty when there are no images).
     */
    public int[] labelHistogram() {
        int[] counts = new int[256];
        int max = -1;
        for (byte b : labels) {
            int label = b & 0xff;
            counts[label]++;
            max = Math.max(max, label);
        }
        return Arrays.copyOf(counts, max + 1);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LabelledImages other
                && dataset.equals(other.dataset) && split.equals(other.split)
                && rows == other.rows && cols == other.cols
                && Arrays.equals(pixels, other.pixels) && Arrays.equals(labels, other.labels);
    }

    @Override
    public int hashCode() {
        return Objects.hash(dataset, split, rows, cols, Arrays.hashCode(pixels), Arrays.hashCode(labels));
    }

    @Override
    public String toString() {
        return "LabelledImages[" + dataset + "/" + split + ", " + count() + " images of " + rows + "x" + cols + "]";
    }
}
