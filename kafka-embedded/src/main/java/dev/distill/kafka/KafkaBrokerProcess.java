package dev.distill.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node KRaft broker in a child JVM ({@link BrokerMain}), so tests can SIGKILL it and start
 * it again on the same data dir and the same ports: clients built before the crash reconnect after
 * {@link #restart()}.
 *
 * <p>The child's stdout and stderr are appended to {@code <dataDir>/broker.log} from the first byte: no pipe
 * is left unread (a full pipe would freeze the child), and the log survives the child for post-mortems.
 * The child watches this JVM's pid and shuts down if this JVM goes away without calling {@link #close()}.
 */
public final class KafkaBrokerProcess implements AutoCloseable {

    /** Name of the child's output file inside the data dir. */
    public static final String LOG_FILE_NAME = "broker.log";

    /**
     * Small heap, and C1 only: on a 2-core box the C2 compiler competes with the test JVM (measured: READY
     * after ~4.3 s with C1 only, 5-8 s with C2), while a test broker never runs long enough to profit from C2.
     */
    public static final List<String> DEFAULT_JVM_OPTIONS = List.of(
            "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError");

    /**
     * After a SIGKILL the restarted broker is refused (DUPLICATE_BROKER_REGISTRATION) until the controller
     * fences the dead incarnation, i.e. for a whole {@code broker.session.timeout.ms} (9 s by default).
     * A shorter session makes a kill-and-restart ~8 s instead of ~16 s here; the broker heartbeats its own
     * controller over loopback, so a 4.5 s silence only happens if the machine stalls.
     */
    public static final Map<String, String> DEFAULT_BROKER_PROPERTIES = Map.of(
            "broker.session.timeout.ms", "4500",
            "broker.heartbeat.interval.ms", "1000");
    private static final Pattern READY_LINE =
            Pattern.compile("^" + Pattern.quote(BrokerMain.READY_PREFIX) + "(\\S+)", Pattern.MULTILINE);
    private static final Pattern FAILED_LINE =
            Pattern.compile("^" + Pattern.quote(BrokerMain.FAILED_PREFIX) + ".*$", Pattern.MULTILINE);
    private static final int LOG_TAIL_LINES = 40;
    private static final Logger LOG = LoggerFactory.getLogger(KafkaBrokerProcess.class);

    private final Path dataDir;
    private final String host;
    private final int port;
    private final int controllerPort;
    private final Map<String, String> brokerProperties;
    private final List<String> jvmOptions;
    private final String javaExecutable;
    private final String classpath;
    private final Duration startupTimeout;
    private final Duration stopTimeout;

    private Process process;

    private KafkaBrokerProcess(Builder builder) {
        this.dataDir = builder.dataDir.toAbsolutePath().normalize();
        this.host = builder.host;
        int[] picked = FreePorts.pickUnlessGiven(builder.port, builder.controllerPort);
        this.port = picked[0];
        this.controllerPort = picked[1];
        if (port == controllerPort) {
            throw new IllegalArgumentException("port and controllerPort must differ, both are " + port);
        }
        this.brokerProperties = Map.copyOf(builder.brokerProperties);
        this.jvmOptions = List.copyOf(builder.jvmOptions);
        this.javaExecutable = builder.javaExecutable;
        this.classpath = builder.classpath;
        this.startupTimeout = builder.startupTimeout;
        this.stopTimeout = builder.stopTimeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Launches the child JVM and returns once it printed its READY line (the broker answers
     * {@code describeCluster} by then).
     *
     * @throws KafkaStartupException if a port is taken, the child dies (the message carries the tail of its
     *                               log) or it is not ready within the start-up timeout (it is killed then)
     */
    public synchronized KafkaBrokerProcess start() {
        if (isAlive()) {
            throw new IllegalStateException("Kafka broker process is already running at " + bootstrapServers());
        }
        requirePortFree(port, "broker");
        requirePortFree(controllerPort, "controller");
        Path logFile = logFile();
        long startOffset = appendStartMarker(logFile);

        ProcessBuilder builder = new ProcessBuilder(command())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new KafkaStartupException("Cannot launch " + javaExecutable + " for the Kafka broker", e);
        }
        closeStdin(process);
        LOG.info("Started Kafka broker process pid {} for {} (log {})", process.pid(), bootstrapServers(), logFile);
        awaitReady(logFile, startOffset);
        return this;
    }

    /** {@code host:port} for {@code bootstrap.servers}; known before {@link #start()}, the same after restarts. */
    public String bootstrapServers() {
        return host + ":" + port;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Everything the child printed, across restarts, each start preceded by a marker line. */
    public Path logFile() {
        return dataDir.resolve(LOG_FILE_NAME);
    }

    public int port() {
        return port;
    }

    public int controllerPort() {
        return controllerPort;
    }

    /** The child's pid; -1 if it was never started. */
    public synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL: no shutdown hook runs, the broker gets no chance to flush or close anything. */
    public synchronized void kill() {
        if (!isAlive()) {
            return;
        }
        LOG.info("Killing Kafka broker process pid {} (SIGKILL)", process.pid());
        process.destroyForcibly();
        if (!waitForExit(Duration.ofSeconds(30))) {
            throw new IllegalStateException("Kafka broker process " + process.pid() + " survived SIGKILL for 30 s");
        }
    }

    /** SIGTERM and wait for the graceful shutdown; escalates to SIGKILL after the stop timeout. */
    public synchronized void stop() {
        if (!isAlive()) {
            return;
        }
        LOG.info("Stopping Kafka broker process pid {} (SIGTERM)", process.pid());
        process.destroy();
        if (!waitForExit(stopTimeout)) {
            LOG.warn("Kafka broker process {} did not stop within {}; killing it", process.pid(), stopTimeout);
            kill();
        }
    }

    /**
     * Starts the broker again on the same data dir and ports, first stopping it gracefully if it still runs.
     * The data dir is not reformatted; after a {@link #kill()} Kafka recovers its logs on start-up.
     */
    public synchronized KafkaBrokerProcess restart() {
        stop();
        return start();
    }

    /** Same as {@link #stop()}; safe to call more than once. */
    @Override
    public synchronized void close() {
        stop();
    }

    private List<String> command() {
        List<String> command = new ArrayList<>();
        command.add(javaExecutable);
        command.addAll(jvmOptions);
        String tmpDir = System.getProperty("java.io.tmpdir");
        if (tmpDir != null) {
            command.add("-Djava.io.tmpdir=" + tmpDir);
        }
        command.add("-cp");
        command.add(classpath);
        command.add(BrokerMain.class.getName());
        command.add("--data-dir");
        command.add(dataDir.toString());
        command.add("--host");
        command.add(host);
        command.add("--port");
        command.add(Integer.toString(port));
        command.add("--controller-port");
        command.add(Integer.toString(controllerPort));
        command.add("--startup-timeout-seconds");
        command.add(Long.toString(Math.max(1, startupTimeout.toSeconds())));
        command.add("--parent-pid");
        command.add(Long.toString(ProcessHandle.current().pid()));
        brokerProperties.forEach((key, value) -> {
            command.add("--broker-property");
            command.add(key + "=" + value);
        });
        return command;
    }

    private void awaitReady(Path logFile, long startOffset) {
        long deadline = System.nanoTime() + startupTimeout.toNanos();
        StringBuilder output = new StringBuilder();
        long readOffset = startOffset;
        try {
            while (true) {
                readOffset = readNewOutput(logFile, readOffset, output);
                Matcher ready = READY_LINE.matcher(output);
                if (ready.find()) {
                    if (!ready.group(1).equals(bootstrapServers())) {
                        LOG.warn("Broker process reports bootstrap {} but {} was expected",
                                ready.group(1), bootstrapServers());
                    }
                    LOG.info("Kafka broker process pid {} ready at {}", process.pid(), bootstrapServers());
                    return;
                }
                if (!process.isAlive()) {
                    readNewOutput(logFile, readOffset, output);
                    throw new KafkaStartupException("Kafka broker process exited with code " + process.exitValue()
                            + " before it was ready" + failureLine(output) + "; last lines of " + logFile + ":\n"
                            + tail(output));
                }
                if (System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    waitForExit(Duration.ofSeconds(30));
                    throw new KafkaStartupException("Kafka broker process was not ready within "
                            + startupTimeout.toSeconds() + " s and was killed; last lines of " + logFile + ":\n"
                            + tail(output));
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new KafkaStartupException("Interrupted while waiting for the Kafka broker process", e);
        }
    }

    private static long readNewOutput(Path logFile, long offset, StringBuilder output) {
        try (FileChannel channel = FileChannel.open(logFile, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size <= offset) {
                return offset;
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(size - offset, 1 << 20));
            int read = channel.read(buffer, offset);
            // A UTF-8 sequence split at the end of the read only garbles log text, never the ASCII READY line.
            output.append(new String(buffer.array(), 0, Math.max(read, 0), StandardCharsets.UTF_8));
            return offset + Math.max(read, 0);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + logFile, e);
        }
    }

    /** The child's own one-line diagnosis, which a long Kafka stack trace may push out of the tail. */
    private static String failureLine(CharSequence output) {
        Matcher failed = FAILED_LINE.matcher(output);
        String line = null;
        while (failed.find()) {
            line = failed.group();
        }
        return line == null ? "" : ": " + line.strip();
    }

    private static String tail(CharSequence output) {
        String[] lines = output.toString().split("\\R");
        int from = Math.max(0, lines.length - LOG_TAIL_LINES);
        return String.join("\n", List.of(lines).subList(from, lines.length));
    }

    private long appendStartMarker(Path logFile) {
        try {
            Files.createDirectories(dataDir);
            String marker = "=== " + Instant.now() + " starting Kafka broker process for " + bootstrapServers()
                    + " ===" + System.lineSeparator();
            Files.writeString(logFile, marker, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            return Files.size(logFile);
        } catch (IOException e) {
            throw new KafkaStartupException("Cannot write " + logFile, e);
        }
    }

    private boolean waitForExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    private void requirePortFree(int candidate, String role) {
        if (!FreePorts.isFree(host, candidate)) {
            throw new KafkaStartupException("Cannot start Kafka broker process: " + role + " port " + candidate
                    + " on " + host + " is already in use");
        }
    }

    /** The child never reads stdin; closing it now saves a file descriptor per restart. */
    private static void closeStdin(Process child) {
        try {
            child.getOutputStream().close();
        } catch (IOException ignored) {
            // Harmless: the pipe only leaks until the child exits.
        }
    }

    /** Configures a {@link KafkaBrokerProcess}; only the data dir is required. */
    public static final class Builder {
        private Path dataDir;
        private String host = "localhost";
        private int port;
        private int controllerPort;
        private final Map<String, String> brokerProperties = new LinkedHashMap<>(DEFAULT_BROKER_PROPERTIES);
        private final List<String> jvmOptions = new ArrayList<>(DEFAULT_JVM_OPTIONS);
        private String javaExecutable = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        private String classpath = System.getProperty("java.class.path");
        private Duration startupTimeout = Duration.ofSeconds(120);
        private Duration stopTimeout = Duration.ofSeconds(60);

        private Builder() {
        }

        /** Where the broker keeps its data and {@code broker.log}; reused across restarts. */
        public Builder dataDir(Path dataDir) {
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
            return this;
        }

        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** Client port; 0 (the default) picks a free one when building, kept across restarts. */
        public Builder port(int port) {
            this.port = checkPort(port, "port");
            return this;
        }

        /** KRaft controller port; 0 (the default) picks a free one when building, kept across restarts. */
        public Builder controllerPort(int controllerPort) {
            this.controllerPort = checkPort(controllerPort, "controllerPort");
            return this;
        }

        /**
         * Any broker setting, as for {@link EmbeddedKafka.Builder#brokerProperty(String, String)}; it also
         * overrides {@link #DEFAULT_BROKER_PROPERTIES}.
         */
        public Builder brokerProperty(String key, String value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            EmbeddedKafka.requireOverridable(key);
            brokerProperties.put(key, value);
            return this;
        }

        /** Adds a child JVM option after the current ones ({@link #DEFAULT_JVM_OPTIONS} at first); a later -Xmx wins. */
        public Builder jvmOption(String option) {
            jvmOptions.add(Objects.requireNonNull(option, "option"));
            return this;
        }

        /** Replaces all child JVM options, the defaults included. */
        public Builder jvmOptions(List<String> options) {
            jvmOptions.clear();
            options.forEach(this::jvmOption);
            return this;
        }

        /** The {@code java} binary; by default the one running this JVM. */
        public Builder javaExecutable(String javaExecutable) {
            this.javaExecutable = Objects.requireNonNull(javaExecutable, "javaExecutable");
            return this;
        }

        /** The child's class path; by default this JVM's {@code java.class.path}. */
        public Builder classpath(String classpath) {
            this.classpath = Objects.requireNonNull(classpath, "classpath");
            return this;
        }

        /** Upper bound for {@link KafkaBrokerProcess#start()} (JVM launch included); 120 s by default. */
        public Builder startupTimeout(Duration startupTimeout) {
            this.startupTimeout = requirePositive(startupTimeout, "startupTimeout");
            return this;
        }

        /** How long {@link KafkaBrokerProcess#stop()} waits after SIGTERM before SIGKILL; 60 s by default. */
        public Builder stopTimeout(Duration stopTimeout) {
            this.stopTimeout = requirePositive(stopTimeout, "stopTimeout");
            return this;
        }

        /** Builds a broker process that is not started yet; ports given as 0 are picked here. */
        public KafkaBrokerProcess build() {
            if (dataDir == null) {
                throw new IllegalStateException("dataDir is required");
            }
            if (classpath == null || classpath.isBlank()) {
                throw new IllegalStateException("No class path for the child JVM: java.class.path is empty");
            }
            return new KafkaBrokerProcess(this);
        }

        private static int checkPort(int port, String name) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException(name + " must be 0..65535, was " + port);
            }
            return port;
        }

        private static Duration requirePositive(Duration duration, String name) {
            if (duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + duration);
            }
            return duration;
        }
    }
}
