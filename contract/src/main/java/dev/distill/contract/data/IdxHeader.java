package dev.distill.contract.data;

/**
 * What an IDX file declares about itself. Label files have no image dimensions: {@code rows} and
 * {@code cols} are 0 for them.
 */
public record IdxHeader(int magic, int count, int rows, int cols) {
    public static final int IMAGES_MAGIC = 2051;
    public static final int LABELS_MAGIC = 2049;

    public boolean isImages() {
        return magic == IMAGES_MAGIC;
    }

    public boolean isLabels() {
        return magic == LABELS_MAGIC;
    }

    /** Bytes that follow the header. */
    public long payloadBytes() {
        return isImages() ? (long) count * rows * cols : count;
    }
}
