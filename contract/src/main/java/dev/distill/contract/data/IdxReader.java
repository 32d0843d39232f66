package dev.distill.contract.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads IDX files, raw or gzip-compressed. Compression is recognised by the gzip magic bytes rather than
 * the file name, because the same data sets are shipped both ways and files get renamed.
 *
 * <p>Every check is strict (exact magic, exact payload length, no trailing bytes) so that a file that was
 * cut short, or belongs to another data set, fails here with a message that says so instead of
 * producing a model trained on garbage.
 */
public final class IdxReader {
    /** Larger sides are taken for a corrupt header rather than an image. */
    public static final int MAX_SIDE = 4096;

    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;
    private static final int BUFFER = 1 << 16;

    private IdxReader() {
    }

    /** Opens a file for reading, transparently decompressing it if it starts with the gzip magic bytes. */
    public static InputStream open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), BUFFER);
        try {
            if (startsWithGzipMagic(in)) {
                return new BufferedInputStream(new GZIPInputStream(in, BUFFER), BUFFER);
            }
            return in;
        } catch (IOException | RuntimeException e) {
            in.close();
            if (e instanceof ZipException || e instanceof EOFException) {
                throw new IdxFormatException(file, "corrupt gzip header (" + e.getMessage() + ")", e);
            }
            throw e;
        }
    }

    /** Whether the file starts with the gzip magic bytes 0x1f 0x8b. */
    public static boolean isGzip(Path file) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 2)) {
            return startsWithGzipMagic(in);
        }
    }

    private static boolean startsWithGzipMagic(InputStream in) throws IOException {
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        return b0 == 0x1f && b1 == 0x8b;
    }

    /** Reads an images file (magic 2051). */
    public static IdxImages readImages(Path file) throws IOException {
        try (Source source = Source.open(file)) {
            IdxHeader header = source.header(IdxHeader.IMAGES_MAGIC);
            byte[] pixels = source.payload(header);
            return new IdxImages(header.count(), header.rows(), header.cols(), pixels);
        }
    }

    /** Reads a labels file (magic 2049): one unsigned byte per item. */
    public static byte[] readLabels(Path file) throws IOException {
        try (Source source = Source.open(file)) {
            return source.payload(source.header(IdxHeader.LABELS_MAGIC));
        }
    }

    /**
     * Reads a matching pair of images and labels files. Both headers are checked before any pixel is
     * read, so a mismatched pair fails fast.
     */
    public static LabelledImages readSplit(String dataset, String split, Path imagesFile, Path labelsFile)
            throws IOException {
        try (Source images = Source.open(imagesFile); Source labels = Source.open(labelsFile)) {
            IdxHeader imagesHeader = images.header(IdxHeader.IMAGES_MAGIC);
            IdxHeader labelsHeader = labels.header(IdxHeader.LABELS_MAGIC);
            if (imagesHeader.count() != labelsHeader.count()) {
                throw new IdxFormatException(labelsFile, "holds " + labelsHeader.count() + " labels but "
                        + imagesFile + " holds " + imagesHeader.count() + " images");
            }
            byte[] labelBytes = labels.payload(labelsHeader);
            byte[] pixels = images.payload(imagesHeader);
            return new LabelledImages(dataset, split, imagesHeader.rows(), imagesHeader.cols(), pixels, labelBytes);
        }
    }

    /**
     * Checks a file of either kind without keeping its content: the header must be sane and exactly the
     * declared number of bytes must follow.
     */
    public static IdxHeader inspect(Path file) throws IOException {
        try (Source source = Source.open(file)) {
            IdxHeader header = source.header(0);
            source.skipPayload(header);
            return header;
        }
    }

    static String describeMagic(int magic) {
        return switch (magic) {
            case IdxHeader.IMAGES_MAGIC -> "2051 (IDX images)";
            case IdxHeader.LABELS_MAGIC -> "2049 (IDX labels)";
            default -> magic + String.format(Locale.ROOT, " (0x%08x, not an IDX images or labels file)", magic);
        };
    }

    /** One open IDX file; knows its size when it is not compressed, so a short file fails before any read. */
    private static final class Source implements AutoCloseable {
        private final Path file;
        private final InputStream in;
        private final long rawSize;

        private Source(Path file, InputStream in, long rawSize) {
            this.file = file;
            this.in = in;
            this.rawSize = rawSize;
        }

        static Source open(Path file) throws IOException {
            boolean gzip = isGzip(file);
            return new Source(file, IdxReader.open(file), gzip ? -1 : Files.size(file));
        }

        /** @param expectedMagic the magic this file must have, or 0 to accept either kind */
        IdxHeader header(int expectedMagic) throws IOException {
            int magic = readInt(0, "the magic number");
            if (expectedMagic != 0 && magic != expectedMagic) {
                throw new IdxFormatException(file, "wrong magic number: expected " + describeMagic(expectedMagic)
                        + ", found " + describeMagic(magic));
            }
            if (magic != IdxHeader.IMAGES_MAGIC && magic != IdxHeader.LABELS_MAGIC) {
                throw new IdxFormatException(file, "wrong magic number: expected "
                        + describeMagic(IdxHeader.IMAGES_MAGIC) + " or " + describeMagic(IdxHeader.LABELS_MAGIC)
                        + ", found " + describeMagic(magic));
            }
            boolean images = magic == IdxHeader.IMAGES_MAGIC;
            int count = readInt(4, "the item count");
            int rows = images ? readInt(8, "the row count") : 0;
            int cols = images ? readInt(12, "the column count") : 0;
            if (count < 0) {
                throw new IdxFormatException(file, "absurd item count " + count);
            }
            if (images && (rows < 1 || rows > MAX_SIDE || cols < 1 || cols > MAX_SIDE)) {
                throw new IdxFormatException(file, "absurd image size " + rows + "x" + cols
                        + ": each side must be between 1 and " + MAX_SIDE);
            }
            IdxHeader header = new IdxHeader(magic, count, rows, cols);
            if (header.payloadBytes() > MAX_ARRAY) {
                throw new IdxFormatException(file, "absurd size: " + count + " images of " + rows + "x" + cols
                        + " is " + header.payloadBytes() + " bytes, more than one array can hold");
            }
            if (rawSize >= 0) {
                long headerBytes = images ? 16 : 8;
                long got = rawSize - headerBytes;
                if (got < header.payloadBytes()) {
                    throw truncated(header, got);
                }
                if (got > header.payloadBytes()) {
                    throw trailing(header, got - header.payloadBytes());
                }
            }
            return header;
        }

        byte[] payload(IdxHeader header) throws IOException {
            int expected = (int) header.payloadBytes();
            // A gzip header may lie about the size; grow as data arrives instead of trusting it.
            byte[] buf = new byte[rawSize >= 0 ? expected : Math.min(expected, 1 << 20)];
            int got = 0;
            try {
                while (got < expected) {
                    if (got == buf.length) {
                        buf = Arrays.copyOf(buf, (int) Math.min(expected, 2L * buf.length));
                    }
                    int n = in.read(buf, got, buf.length - got);
                    if (n < 0) {
                        break;
                    }
                    got += n;
                }
            } catch (ZipException | EOFException e) {
                throw corruptGzip(got, e);
            }
            if (got < expected) {
                throw truncated(header, got);
            }
            checkNoTrailingBytes(header);
            return buf;
        }

        void skipPayload(IdxHeader header) throws IOException {
            if (rawSize >= 0) {
                return; // header() already compared the file size with the declared size
            }
            long got;
            try {
                got = in.transferTo(OutputStream.nullOutputStream());
            } catch (ZipException | EOFException e) {
                throw corruptGzip(-1, e);
            }
            if (got < header.payloadBytes()) {
                throw truncated(header, got);
            }
            if (got > header.payloadBytes()) {
                throw trailing(header, got - header.payloadBytes());
            }
        }

        private void checkNoTrailingBytes(IdxHeader header) throws IOException {
            if (rawSize >= 0) {
                return;
            }
            long extra;
            try {
                extra = in.transferTo(OutputStream.nullOutputStream());
            } catch (ZipException | EOFException e) {
                throw corruptGzip(-1, e);
            }
            if (extra > 0) {
                throw trailing(header, extra);
            }
        }

        private int readInt(int offset, String what) throws IOException {
            byte[] b;
            try {
                b = in.readNBytes(4);
            } catch (ZipException | EOFException e) {
                throw corruptGzip(-1, e);
            }
            if (b.length < 4) {
                throw new IdxFormatException(file, "truncated header: expected 4 bytes for " + what
                        + " at offset " + offset + ", got " + b.length);
            }
            return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
        }

        private IdxFormatException truncated(IdxHeader header, long got) {
            return new IdxFormatException(file, "truncated data: expected " + header.payloadBytes()
                    + " bytes after the header (" + describeItems(header) + "), got " + got);
        }

        private IdxFormatException trailing(IdxHeader header, long extra) {
            return new IdxFormatException(file, extra + " unexpected bytes after the " + header.payloadBytes()
                    + " bytes the header declares (" + describeItems(header) + ")");
        }

        private IdxFormatException corruptGzip(long after, IOException e) {
            return new IdxFormatException(file, "gzip data is truncated or corrupt"
                    + (after >= 0 ? " after " + after + " bytes of payload" : "") + " (" + e.getMessage() + ")", e);
        }

        private static String describeItems(IdxHeader header) {
            return header.isImages()
                    ? header.count() + " images of " + header.rows() + "x" + header.cols()
                    : header.count() + " labels";
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
