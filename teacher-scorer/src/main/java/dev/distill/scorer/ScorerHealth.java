package dev.distill.scorer;

import dev.distill.platform.http.Health;
import org.apache.kafka.streams.KafkaStreams;

/** What the scorer's probes answer, as functions of the Kafka Streams state. */
final class ScorerHealth {
  private ScorerHealth() {}

  /**
   * Alive unless Streams has failed or stopped: a rebalance (REBALANCING, even for long) is normal
   * life, and restarting the pod would only start another one.
   */
  static Health live(KafkaStreams.State state) {
    return switch (state) {
      case ERROR, PENDING_ERROR, NOT_RUNNING -> Health.down("kafka streams is " + state);
      default -> Health.up("kafka streams is " + state);
    };
  }

  /** Ready when scoring: Streams RUNNING (a teacher is loaded before Streams starts at all). */
  static Health ready(KafkaStreams.State state) {
    return state == KafkaStreams.State.RUNNING
        ? Health.up("kafka streams is RUNNING")
        : Health.down("kafka streams is " + state);
  }
}
