package dev.distill.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node KRaft Kafka broker (combined broker + controller) running inside this JVM.
 *
 * <p>The data dir is formatted only the first time, so a demo broker keeps its topics across runs. Kafka's
 * own files live in {@code <dataDir>/kafka-data}, which leaves room next to them for logs of a child
 * process (see {@link KafkaBrokerProcess}). Ports are fixed when the instance is built (port 0 picks a free
 * one then), so {@link #start()} after {@link #close()} brings the broker back on the same address.
 *
 * <pre>{@code
 * EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dir).port(9092).build().start();
 * Runtime.getRuntime().addShutdownHook(new Thread(kafka::close));
 * System.out.println(kafka.bootstrapServers());
 * kafka.awaitClosed();   // until Ctrl-C
 * }</pre>
 *
 * <p>Like any Kafka server, the broker halts the whole JVM ({@code Exit.halt}) if its metadata log hits a
 * fatal fault; a test that must survive a broker crash uses {@link KafkaBrokerProcess} instead.
 * Not for a service's runtime: it is the demo's and the integration tests' broker.
 */
public final class EmbeddedKafka implements AutoCloseable {

    /** Largest record batch the broker accepts; student models are multi-MB records. */
    public static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

    /** Sub-directory of the data dir that holds Kafka's log dir (and its metadata log). */
    public static final String KAFKA_LOG_DIR_NAME = "kafka-data";

    static final String META_PROPERTIES = "meta.properties";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final String BROKER_LISTENER = "PLAINTEXT";
    private static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(90);

    /**
     * Settings that define the node's identity and storage layout. Overriding them would break formatting
     * or restarts on the same data dir, so the builder refuses them.
     */
    private static final Set<String> MANAGED_PROPERTIES = Set.of(
            "process.roles", "node.id", "broker.id", "log.dir", "log.dirs", "metadata.log.dir",
            "controller.quorum.voters", "controller.quorum.bootstrap.servers", "controller.listener.names");

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

    private final Path dataDir;
    private final String host;
    private final int port;
    private final int controllerPort;
    private final int requestedNodeId;
    private final Map<String, String> extraProperties;
    private final Duration startupTimeout;

    private KafkaRaftServer server;
    private String clusterId;
    private int nodeId;

    private EmbeddedKafka(Builder builder) {
        this.dataDir = builder.dataDir.toAbsolutePath().normalize();
        this.host = builder.host;
        int[] picked = FreePorts.pickUnlessGiven(builder.port, builder.controllerPort);
        this.port = picked[0];
        this.controllerPort = picked[1];
        if (port == controllerPort) {
            throw new IllegalArgumentException("port and controllerPort must differ, both are " + port);
        }
        this.requestedNodeId = builder.nodeId;
        this.nodeId = builder.nodeId;
        this.extraProperties = Map.copyOf(builder.extraProperties);
        this.startupTimeout = builder.startupTimeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Formats the data dir if it has never been formatted, starts the broker and returns once an admin
     * client gets an answer to {@code describeCluster}.
     *
     * @throws KafkaStartupException if a port is taken, the data dir cannot be used, or the broker is not
     *                               ready within the start-up timeout; nothing is left running then
     */
    public synchronized EmbeddedKafka start() {
        if (server != null) {
            throw new IllegalStateException("Kafka broker is already running at " + bootstrapServers());
        }
        long deadline = System.nanoTime() + startupTimeout.toNanos();
        requirePortFree(port, "broker");
        requirePortFree(controllerPort, "controller");
        Path logDir = kafkaLogDir();
        ensureFormatted(logDir);

        KafkaRaftServer started;
        try {
            started = new KafkaRaftServer(KafkaConfig.fromProps(brokerProperties(logDir), false), Time.SYSTEM);
        } catch (RuntimeException e) {
            throw startupFailure(e);
        }
        try {
            started.startup();
        } catch (RuntimeException e) {
            shutdownQuietly(started);
            throw startupFailure(e);
        }
        server = started;
        try {
            awaitReady(deadline);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        LOG.info("Kafka broker ready at {} (cluster id {}, node id {}, data dir {})",
                bootstrapServers(), clusterId, nodeId, dataDir);
        return this;
    }

    /** {@code host:port} for {@code bootstrap.servers}; known before {@link #start()} and stable across restarts. */
    public String bootstrapServers() {
        return host + ":" + port;
    }

    public Path dataDir() {
        return dataDir;
    }

    public int port() {
        return port;
    }

    public int controllerPort() {
        return controllerPort;
    }

    /** The cluster id in the data dir's {@code meta.properties}; null until the first {@link #start()}. */
    public synchronized String clusterId() {
        return clusterId;
    }

    /** The node id in use: the one in an existing {@code meta.properties} wins over the builder's. */
    public synchronized int nodeId() {
        return nodeId;
    }

    public synchronized boolean isRunning() {
        return server != null;
    }

    /** Graceful shutdown (controlled shutdown, logs flushed); does nothing if the broker is not running. */
    @Override
    public synchronized void close() {
        KafkaRaftServer running = server;
        if (running == null) {
            return;
        }
        LOG.info("Stopping Kafka broker at {}", bootstrapServers());
        try {
            shutdownQuietly(running);
        } finally {
            server = null;
            notifyAll();
        }
    }

    /**
     * Blocks until the broker is stopped by {@link #close()} from another thread, typically a shutdown hook:
     * lets a {@code main} run the broker until Ctrl-C. Returns at once if the broker is not running.
     */
    public synchronized void awaitClosed() throws InterruptedException {
        while (server != null) {
            wait();
        }
    }

    static void requireOverridable(String brokerPropertyKey) {
        if (MANAGED_PROPERTIES.contains(brokerPropertyKey)) {
            throw new IllegalArgumentException(brokerPropertyKey
                    + " is managed by EmbeddedKafka (it fixes the node's identity or storage); use the builder");
        }
    }

    Path kafkaLogDir() {
        return dataDir.resolve(KAFKA_LOG_DIR_NAME);
    }

    private void ensureFormatted(Path logDir) {
        Path metaProperties = logDir.resolve(META_PROPERTIES);
        if (Files.exists(metaProperties)) {
            adoptExistingIdentity(metaProperties);
            return;
        }
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            throw new KafkaStartupException("Cannot create Kafka data dir " + logDir, e);
        }
        String newClusterId = Uuid.randomUuid().toString();
        ByteArrayOutputStream formatterOutput = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(formatterOutput, true, StandardCharsets.UTF_8)) {
            new Formatter()
                    .setPrintStream(out)
                    .setClusterId(newClusterId)
                    .setNodeId(requestedNodeId)
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setDirectories(List.of(logDir.toString()))
                    .setMetadataLogDirectory(logDir.toString())
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .setUnstableFeatureVersionsEnabled(false)
                    .run();
        } catch (Exception e) {
            throw new KafkaStartupException("Cannot format Kafka storage in " + logDir, e);
        }
        LOG.info("Formatted new Kafka storage: {}", formatterOutput.toString(StandardCharsets.UTF_8).trim());
        clusterId = newClusterId;
        nodeId = requestedNodeId;
    }

    /**
     * Kafka refuses to start if {@code node.id} differs from the one the dir was formatted with, and the
     * cluster id is only ever read from the dir; taking both from there lets any formatted dir be reused.
     */
    private void adoptExistingIdentity(Path metaProperties) {
        Properties meta = new Properties();
        try (InputStream in = Files.newInputStream(metaProperties)) {
            meta.load(in);
        } catch (IOException e) {
            throw new KafkaStartupException("Cannot read " + metaProperties, e);
        }
        String existingClusterId = meta.getProperty("cluster.id");
        String existingNodeId = meta.getProperty("node.id");
        if (existingClusterId == null || existingNodeId == null) {
            throw new KafkaStartupException(metaProperties + " is not a KRaft meta.properties "
                    + "(it needs cluster.id and node.id); point the broker at an empty or KRaft data dir");
        }
        try {
            nodeId = Integer.parseInt(existingNodeId.trim());
        } catch (NumberFormatException e) {
            throw new KafkaStartupException("Invalid node.id '" + existingNodeId + "' in " + metaProperties, e);
        }
        clusterId = existingClusterId.trim();
        if (nodeId != requestedNodeId) {
            LOG.info("Data dir {} was formatted for node id {}; using it instead of {}", dataDir, nodeId,
                    requestedNodeId);
        }
    }

    private Properties brokerProperties(Path logDir) {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("process.roles", "broker,controller");
        props.put("node.id", Integer.toString(nodeId));
        props.put("controller.quorum.voters", nodeId + "@" + host + ":" + controllerPort);
        props.put("listeners", BROKER_LISTENER + "://" + host + ":" + port + ","
                + CONTROLLER_LISTENER + "://" + host + ":" + controllerPort);
        props.put("advertised.listeners", BROKER_LISTENER + "://" + host + ":" + port);
        props.put("controller.listener.names", CONTROLLER_LISTENER);
        props.put("inter.broker.listener.name", BROKER_LISTENER);
        props.put("listener.security.protocol.map",
                BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        props.put("log.dirs", logDir.toString());
        // One node: every internal topic must live with a single replica.
        props.put("offsets.topic.replication.factor", "1");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        // Internal topics are created lazily by the first group / transaction; 50 partitions take seconds here.
        props.put("offsets.topic.num.partitions", "4");
        props.put("transaction.state.log.num.partitions", "4");
        props.put("share.coordinator.state.topic.num.partitions", "4");
        props.put("group.initial.rebalance.delay.ms", "0");
        // Topics come from the project's topic catalog; a typo must fail, not create a topic.
        props.put("auto.create.topics.enable", "false");
        props.put("message.max.bytes", Integer.toString(MAX_MESSAGE_BYTES));
        // Sized for a 2-core demo box rather than a production server.
        props.put("num.network.threads", "2");
        props.put("num.io.threads", "4");
        props.put("background.threads", "4");
        props.put("log.cleaner.dedupe.buffer.size", Integer.toString(32 * 1024 * 1024));
        // Without it, a broker that cannot catch up on metadata would block start() forever.
        props.put("server.max.startup.time.ms", Long.toString(startupTimeout.toMillis()));
        props.putAll(extraProperties);
        Properties properties = new Properties();
        properties.putAll(props);
        return properties;
    }

    private void awaitReady(long deadlineNanos) {
        Map<String, Object> config = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.CLIENT_ID_CONFIG, "distill-embedded-kafka-readiness",
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        Admin admin = Admin.create(config);
        Exception lastFailure = null;
        try {
            while (System.nanoTime() < deadlineNanos) {
                long waitMs = Math.max(1, Math.min(10_000,
                        TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime())));
                try {
                    Collection<Node> nodes = admin.describeCluster().nodes().get(waitMs, TimeUnit.MILLISECONDS);
                    if (!nodes.isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    lastFailure = e;
                }
                Thread.sleep(200);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaStartupException("Interrupted while waiting for Kafka broker at " + bootstrapServers(), e);
        } finally {
            admin.close(Duration.ofSeconds(5));
        }
        throw new KafkaStartupException("Kafka broker at " + bootstrapServers() + " did not answer describeCluster"
                + " within " + startupTimeout.toSeconds() + " s (data dir " + dataDir + ")", lastFailure);
    }

    private void requirePortFree(int candidate, String role) {
        if (!FreePorts.isFree(host, candidate)) {
            throw new KafkaStartupException("Cannot start Kafka: " + role + " port " + candidate + " on " + host
                    + " is already in use (another broker running? choose another port or 0 for a free one)");
        }
    }

    private KafkaStartupException startupFailure(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof BindException
                    || String.valueOf(cause.getMessage()).contains("Address already in use")) {
                return new KafkaStartupException("Cannot start Kafka: port " + port + " or " + controllerPort
                        + " on " + host + " is already in use", failure);
            }
        }
        return new KafkaStartupException("Kafka broker failed to start on data dir " + dataDir + ": " + failure,
                failure);
    }

    private static void shutdownQuietly(KafkaRaftServer running) {
        try {
            running.shutdown();
            running.awaitShutdown();
        } catch (RuntimeException e) {
            LOG.warn("Kafka broker did not shut down cleanly", e);
        }
    }

    /** Configures an {@link EmbeddedKafka}; only the data dir is required. */
    public static final class Builder {
        private Path dataDir;
        private String host = "localhost";
        private int port;
        private int controllerPort;
        private int nodeId = 1;
        private final Map<String, String> extraProperties = new LinkedHashMap<>();
        private Duration startupTimeout = DEFAULT_STARTUP_TIMEOUT;

        private Builder() {
        }

        /** Where the broker keeps its data; reused (not reformatted) if it already holds a broker's data. */
        public Builder dataDir(Path dataDir) {
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
            return this;
        }

        /** Host name the broker binds to and advertises; {@code localhost} by default. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** Client port; 0 (the default) picks a free one. */
        public Builder port(int port) {
            this.port = checkPort(port, "port");
            return this;
        }

        /** KRaft controller port; 0 (the default) picks a free one. */
        public Builder controllerPort(int controllerPort) {
            this.controllerPort = checkPort(controllerPort, "controllerPort");
            return this;
        }

        /** Node id used when formatting a new data dir (default 1); an existing dir keeps its own. */
        public Builder nodeId(int nodeId) {
            if (nodeId < 0) {
                throw new IllegalArgumentException("nodeId must be >= 0, was " + nodeId);
            }
            this.nodeId = nodeId;
            return this;
        }

        /**
         * Any broker setting; it overrides this class's defaults. Identity and storage settings
         * ({@code node.id}, {@code log.dirs}, {@code controller.quorum.voters}, ...) are refused.
         */
        public Builder brokerProperty(String key, String value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            requireOverridable(key);
            extraProperties.put(key, value);
            return this;
        }

        public Builder brokerProperties(Map<String, String> properties) {
            properties.forEach(this::brokerProperty);
            return this;
        }

        /** Upper bound for {@link EmbeddedKafka#start()}; 90 s by default. */
        public Builder startupTimeout(Duration startupTimeout) {
            if (startupTimeout.isNegative() || startupTimeout.isZero()) {
                throw new IllegalArgumentException("startupTimeout must be positive, was " + startupTimeout);
            }
            this.startupTimeout = startupTimeout;
            return this;
        }

        /** Builds a broker that is not started yet; ports given as 0 are picked here. */
        public EmbeddedKafka build() {
            if (dataDir == null) {
                throw new IllegalStateException("dataDir is required");
            }
            return new EmbeddedKafka(this);
        }

        private static int checkPort(int port, String name) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException(name + " must be 0..65535, was " + port);
            }
            return port;
        }
    }
}
