package dev.distill.kafka;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Optional;

/**
 * Entry point of the child JVM started by {@link KafkaBrokerProcess}: runs an {@link EmbeddedKafka} until
 * SIGTERM, so that tests can SIGKILL a real broker without killing themselves.
 *
 * <pre>
 * java -cp CLASSPATH dev.distill.kafka.BrokerMain --data-dir DIR [--port P] [--controller-port C]
 *      [--host H] [--node-id N] [--startup-timeout-seconds S] [--parent-pid PID]
 *      [--broker-property key=value]...
 * </pre>
 *
 * <p>Prints exactly one line {@code READY bootstrap=HOST:PORT} on stdout once clients can connect; that
 * line is the start-up handshake with the parent. Exit codes: 1 if the broker could not start, 2 for bad
 * arguments.
 */
public final class BrokerMain {

    static final String READY_PREFIX = "READY bootstrap=";
    static final String FAILED_PREFIX = "FAILED to start Kafka broker: ";

    private BrokerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        EmbeddedKafka.Builder builder = EmbeddedKafka.builder();
        Optional<Long> parentPid;
        try {
            parentPid = parse(args, builder);
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("BrokerMain: " + e.getMessage());
            System.exit(2);
            return;
        }

        EmbeddedKafka kafka;
        try {
            kafka = builder.build();
            // Registered before start() so a SIGTERM during start-up still shuts the broker down cleanly.
            Runtime.getRuntime().addShutdownHook(new Thread(kafka::close, "kafka-broker-shutdown"));
            kafka.start();
        } catch (RuntimeException e) {
            System.err.println(FAILED_PREFIX + e.getMessage());
            e.printStackTrace(System.err);
            System.exit(1);
            return;
        }
        System.out.println(READY_PREFIX + kafka.bootstrapServers());
        System.out.flush();

        // An orphaned broker would hold its ports and burn CPU on a shared box until someone notices.
        parentPid.ifPresent(BrokerMain::exitWhenParentExits);

        kafka.awaitClosed();
    }

    private static void exitWhenParentExits(long pid) {
        Optional<ProcessHandle> parent = ProcessHandle.of(pid);
        if (parent.isEmpty()) {
            System.err.println("Parent process " + pid + " is gone; shutting down");
            System.exit(0);
            return;
        }
        parent.get().onExit().thenRun(() -> {
            System.err.println("Parent process " + pid + " exited; shutting down");
            System.exit(0);
        });
    }

    private static Optional<Long> parse(String[] args, EmbeddedKafka.Builder builder) {
        Optional<Long> parentPid = Optional.empty();
        boolean hasDataDir = false;
        Iterator<String> it = Arrays.asList(args).iterator();
        while (it.hasNext()) {
            String option = it.next();
            if (!it.hasNext()) {
                throw new IllegalArgumentException("missing value for " + option);
            }
            String value = it.next();
            switch (option) {
                case "--data-dir" -> {
                    builder.dataDir(Path.of(value));
                    hasDataDir = true;
                }
                case "--port" -> builder.port(parseInt(option, value));
                case "--controller-port" -> builder.controllerPort(parseInt(option, value));
                case "--host" -> builder.host(value);
                case "--node-id" -> builder.nodeId(parseInt(option, value));
                case "--startup-timeout-seconds" -> builder.startupTimeout(Duration.ofSeconds(parseInt(option, value)));
                case "--parent-pid" -> {
                    try {
                        parentPid = Optional.of(Long.parseLong(value));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException(option + " needs a process id, got " + value, e);
                    }
                }
                case "--broker-property" -> {
                    int eq = value.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--broker-property needs key=value, got " + value);
                    }
                    builder.brokerProperty(value.substring(0, eq), value.substring(eq + 1));
                }
                default -> throw new IllegalArgumentException("unknown option " + option);
            }
        }
        if (!hasDataDir) {
            throw new IllegalArgumentException("--data-dir is required");
        }
        return parentPid;
    }

    private static int parseInt(String option, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs an integer, got " + value, e);
        }
    }
}
