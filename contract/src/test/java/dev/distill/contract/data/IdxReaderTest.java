package dev.distill.contract.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
    @TempDir
    Path dir;

    /** Three 2x3 images with distinct pixels, including values above 127 to catch sign errors. */
    private static final byte[] PIXELS = {
        0, 1, 2, 3, 4, 5,
        (byte) 200, (byte) 201, (byte) 202, (byte) 203, (byte) 204, (byte) 255,
        10, 20, 30, 40, 50, 60};
    private static final byte[] LABELS = {7, 2, (byte) 200};

    @Test
    void gzipAndRawFilesReadIdentically() throws IOException {
        IdxWriter.writeImages(dir.resolve("raw-images"), 2, 3, PIXELS, false);
        IdxWriter.writeLabels(dir.resolve("raw-labels"), LABELS, false);
        // Misleading names on purpose: compression is detected from the content.
        IdxWriter.writeImages(dir.resolve("zipped-images.idx"), 2, 3, PIXELS, true);
        IdxWriter.writeLabels(dir.resolve("zipped-labels.idx"), LABELS, true);

        LabelledImages raw = IdxReader.readSplit("toy", "test", dir.resolve("raw-images"), dir.resolve("raw-labels"));
        LabelledImages zipped = IdxReader.readSplit("toy", "test",
                dir.resolve("zipped-images.idx"), dir.resolve("zipped-labels.idx"));

        assertThat(IdxReader.isGzip(dir.resolve("zipped-images.idx"))).isTrue();
        assertThat(IdxReader.isGzip(dir.resolve("raw-images"))).isFalse();
        assertThat(zipped).isEqualTo(raw);
        assertThat(raw.count()).isEqualTo(3);
        assertThat(raw.rows()).isEqualTo(2);
        assertThat(raw.cols()).isEqualTo(3);
        assertThat(raw.image(1)).containsExactly(Arrays.copyOfRange(PIXELS, 6, 12));
        assertThat(raw.label(2)).isEqualTo(200);
    }

    @Test
    void imagesFileIsReadWithItsDimensions() throws IOException {
        Path file = dir.resolve("images");
        IdxWriter.writeImages(file, 2, 3, PIXELS, true);

        IdxImages images = IdxReader.readImages(file);

        assertThat(images.count()).isEqualTo(3);
        assertThat(images.rows()).isEqualTo(2);
        assertThat(images.cols()).isEqualTo(3);
        assertThat(images.pixels()).containsExactly(PIXELS);
        assertThat(IdxReader.inspect(file)).isEqualTo(new IdxHeader(2051, 3, 2, 3));
    }

    @Test
    void labelsFileWhereImagesAreExpectedNamesBothMagicNumbers() throws IOException {
        Path file = dir.resolve("labels");
        IdxWriter.writeLabels(file, LABELS, false);

        assertThatThrownBy(() -> IdxReader.readImages(file))
                .isInstanceOf(IdxFormatException.class)
                .hasMessage(file + ": wrong magic number: expected 2051 (IDX images), found 2049 (IDX labels)");
    }

    @Test
    void fileThatIsNoIdxAtAllShowsTheMagicItFound() throws IOException {
        Path file = dir.resolve("page.html");
        Files.writeString(file, "<html>not found</html>");

        assertThatThrownBy(() -> IdxReader.readLabels(file))
                .isInstanceOf(IdxFormatException.class)
                .hasMessageContaining("expected 2049 (IDX labels), found 1013478509 (0x3c68746d, not an IDX");
    }

    @Test
    void truncatedRawImagesSayHowManyBytesWereExpectedAndFound() throws IOException {
        Path file = dir.resolve("images");
        IdxWriter.writeImages(file, 2, 3, PIXELS, false);
        byte[] whole = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(whole, whole.length - 5));

        assertThatThrownBy(() -> IdxReader.readImages(file))
                .isInstanceOf(IdxFormatException.class)
                .hasMessage(file + ": truncated data: expected 18 bytes after the header (3 images of 2x3), got 13");
    }

    @Test
    void truncatedGzipLabelsSayHowManyBytesWereExpectedAndFound() throws IOException {
        Path file = dir.resolve("labels.gz");
        // A complete gzip stream whose content is short: the header promises more labels than follow.
        gzip(file, header(2049, 5), new byte[] {1, 2});

        assertThatThrownBy(() -> IdxReader.readLabels(file))
                .isInstanceOf(IdxFormatException.class)
                .hasMessage(file + ": truncated data: expected 5 bytes after the header (5 labels), got 2");
    }

    @Test
    void gzipStreamCutShortIsReportedAsCorrupt() throws IOException {
        Path file = dir.resolve("images.gz");
        byte[] noise = new byte[4000];
        new java.util.Random(1).nextBytes(noise);
        IdxWriter.writeImages(file, 40, 100, noise, true);
        byte[] whole = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(whole, whole.length / 2));

        assertThatThrownBy(() -> IdxReader.readImages(file))
                .isInstanceOf(IdxFormatException.class)
                .hasMessageStartingWith(file + ": gzip data is truncated or corrupt");
    }

    @Test
    void truncatedHeaderIsReported() throws IOException {
        Path file = dir.resolve("images");
        Files.write(file, new byte[] {0, 0, 8, 3, 0, 0});

        assertThatThrownBy(() -> IdxReader.readImages(file))
                .isInstanceOf(IdxFormatException.class)
                .hasMessage(file + ": truncated header: expected 4 bytes for the item count at offset 4, got 2");
    }

    @Test
    void bytesBeyondTheDeclaredCountAreRejected() throws IOException {
        Path raw = dir.resolve("labels");
        Path zipped = dir.resolve("labels.gz");
        byte[] header = header(2049, 2);
        Files.write(raw, concat(header, new byte[] {1, 2, 3}));
        gzip(zipped, header, new byte[] {1, 2, 3});

        assertThatThrownBy(() -> IdxReader.readLabels(raw))
                .hasMessage(raw + ": 1 unexpected bytes after the 2 bytes the header declares (2 labels)");
        assertThatThrownBy(() -> IdxReader.readLabels(zipped))
                .hasMessage(zipped + ": 1 unexpected bytes after the 2 bytes the header declares (2 labels)");
    }

    @Test
    void absurdDimensionsAreRejectedBeforeAnyAllocation() throws IOException {
        Path zeroRows = dir.resolve("zero-rows");
        Files.write(zeroRows, header(2051, 10, 0, 28));
        Path huge = dir.resolve("huge.gz");
        gzip(huge, header(2051, 1_000_000, 4096, 4096), new byte[0]);
        Path negative = dir.resolve("negative");
        Files.write(negative, header(2049, -3));

        assertThatThrownBy(() -> IdxReader.readImages(zeroRows))
                .hasMessage(zeroRows + ": absurd image size 0x28: each side must be between 1 and 4096");
        assertThatThrownBy(() -> IdxReader.readImages(huge))
                .hasMessageContaining("absurd size: 1000000 images of 4096x4096 is 16777216000000 bytes");
        assertThatThrownBy(() -> IdxReader.readLabels(negative))
                .hasMessage(negative + ": absurd item count -3");
    }

    @Test
    void splitWithMoreImagesThanLabelsNamesBothCounts() throws IOException {
        Path images = dir.resolve("images");
        Path labels = dir.resolve("labels");
        IdxWriter.writeImages(images, 2, 3, PIXELS, false);
        IdxWriter.writeLabels(labels, new byte[] {1, 2}, true);

        assertThatThrownBy(() -> IdxReader.readSplit("toy", "train", images, labels))
                .isInstanceOf(IdxFormatException.class)
                .hasMessage(labels + ": holds 2 labels but " + images + " holds 3 images");
    }

    @Test
    void inspectChecksTheLengthOfCompressedFilesWithoutKeepingThem() throws IOException {
        Path file = dir.resolve("labels.gz");
        gzip(file, header(2049, 4), new byte[] {1, 2, 3});

        assertThatThrownBy(() -> IdxReader.inspect(file))
                .hasMessage(file + ": truncated data: expected 4 bytes after the header (4 labels), got 3");
    }

    static byte[] header(int... ints) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            for (int i : ints) {
                out.writeInt(i);
            }
        }
        return bytes.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    private static void gzip(Path file, byte[] header, byte[] body) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(header);
            out.write(body);
        }
    }
}
