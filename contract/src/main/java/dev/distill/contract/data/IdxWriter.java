package dev.distill.contract.data;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/**
 * Writes IDX files, so that tests and tools can make small data sets of their own in the same format
 * the real ones use.
 */
public final class IdxWriter {
    private IdxWriter() {
    }

    /** Writes an images file; {@code pixels} holds {@code count * rows * cols} bytes, row-major. */
    public static void writeImages(Path file, int rows, int cols, byte[] pixels, boolean gzip) throws IOException {
        int size = rows * cols;
        if (size <= 0 || pixels.length % size != 0) {
            throw new IllegalArgumentException(pixels.length + " pixels are not a whole number of "
                    + rows + "x" + cols + " images");
        }
        try (DataOutputStream out = new DataOutputStream(open(file, gzip))) {
            out.writeInt(IdxHeader.IMAGES_MAGIC);
            out.writeInt(pixels.length / size);
            out.writeInt(rows);
            out.writeInt(cols);
            out.write(pixels);
        }
    }

    /** Writes a labels file: one unsigned byte per item. */
    public static void writeLabels(Path file, byte[] labels, boolean gzip) throws IOException {
        try (DataOutputStream out = new DataOutputStream(open(file, gzip))) {
            out.writeInt(IdxHeader.LABELS_MAGIC);
            out.writeInt(labels.length);
            out.write(labels);
        }
    }

    /** Writes both files of a split. */
    public static void writeSplit(Path imagesFile, Path labelsFile, LabelledImages split, boolean gzip)
            throws IOException {
        writeImages(imagesFile, split.rows(), split.cols(), split.pixels(), gzip);
        writeLabels(labelsFile, split.labels(), gzip);
    }

    private static OutputStream open(Path file, boolean gzip) throws IOException {
        OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
        return gzip ? new GZIPOutputStream(out, 1 << 16) : out;
    }
}
