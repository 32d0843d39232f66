package dev.distill.scorer;

import org.apache.kafka.streams.StreamsConfig;

/**
 * {@code DISTILL_PROCESSING_GUARANTEE}: exactly-once is the scorer's contract; at-least-once
 * exists to measure what exactly-once costs ({@code distill bench}), and trades it for
 * duplicate soft targets after a crash.
 */
public enum ProcessingGuarantee {
  EXACTLY_ONCE(StreamsConfig.EXACTLY_ONCE_V2),
  AT_LEAST_ONCE(StreamsConfig.AT_LEAST_ONCE);

  private final String streamsValue;

  ProcessingGuarantee(String streamsValue) {
    this.streamsValue = streamsValue;
  }

  /** The value of Kafka Streams' {@code processing.guarantee}. */
  public String streamsValue() {
    return streamsValue;
  }
}
