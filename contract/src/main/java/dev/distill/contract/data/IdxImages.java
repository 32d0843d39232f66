package dev.distill.contract.data;

/** The content of an IDX images file: {@code count * rows * cols} unsigned pixels, row-major, image after image. */
public record IdxImages(int count, int rows, int cols, byte[] pixels) {
    public IdxImages {
        if ((long) count * rows * cols != pixels.length) {
            throw new IllegalArgumentException("pixels has " + pixels.length + " bytes, expected "
                    + count + "*" + rows + "*" + cols);
        }
    }
}
