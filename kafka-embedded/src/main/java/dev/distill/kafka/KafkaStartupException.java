package dev.distill.kafka;

/**
 * The broker (in-process or child JVM) did not become ready: its port was taken, its data dir was unusable,
 * it died, or it did not answer within the start-up timeout. The message says which, so a demo user can act
 * on it without reading a Kafka stack trace.
 */
public class KafkaStartupException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public KafkaStartupException(String message) {
        super(message);
    }

    public KafkaStartupException(String message, Throwable cause) {
        super(message, cause);
    }
}
