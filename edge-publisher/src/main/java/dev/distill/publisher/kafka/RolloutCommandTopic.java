package dev.distill.publisher.kafka;

import dev.distill.contract.proto.RolloutCommandRecord;
import dev.distill.platform.config.KafkaSettings;
import org.apache.kafka.common.TopicPartition;

/**
 * The catalog's {@code <prefix>.rollout-commands} as the controller's lease: operators' rollout
 * commands from any replica and the controller's outcomes ({@link RolloutCommandRecord}); the
 * consumer group member holding its one partition is the controller.
 */
public final class RolloutCommandTopic {
  private final String name;
  private final String prefix;

  public RolloutCommandTopic(KafkaSettings kafka) {
    this.name = kafka.topics().rolloutCommands().name();
    this.prefix = kafka.topicPrefix();
  }

  public String name() {
    return name;
  }

  public TopicPartition partition() {
    return new TopicPartition(name, 0);
  }

  /** The consumer group whose one member holding the partition is the rollout controller. */
  public String controllerGroup() {
    return prefix + ".edge-publisher.rollout-controller";
  }

  /** The controller's fixed transactional id: a new controller's producer fences the old one's. */
  public String transactionalId() {
    return controllerGroup();
  }
}
