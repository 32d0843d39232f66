package dev.distill.platform.topics;

import dev.distill.contract.wire.MalformedMessageException;
import org.apache.kafka.common.errors.SerializationException;

/**
 * A record value that cannot be decoded, with the topic and the contract violation behind it.
 * It is a {@link SerializationException} so that Kafka's clients and Streams' deserialization
 * handlers treat it as what it is.
 */
public class RecordDecodeException extends SerializationException {
  private static final long serialVersionUID = 1L;

  private final String topic;
  private final transient MalformedMessageException violation;

  public RecordDecodeException(String topic, MalformedMessageException violation) {
    super("topic " + topic + ": cannot decode " + violation.getMessage(), violation);
    this.topic = topic;
    this.violation = violation;
  }

  public String topic() {
    return topic;
  }

  /** The field-level problem, for dead-letter headers and metrics. */
  public MalformedMessageException violation() {
    return violation;
  }
}
