package dev.distill.publisher.kafka;

import dev.distill.contract.proto.RolloutCommandRecord;
import dev.distill.platform.config.KafkaSettings;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * {@code <prefix>.rollout-commands}: operators' rollout commands from any replica and the
 * controller's outcomes ({@link RolloutCommandRecord}). One partition: it is the controller's
 * lease (the consumer group member holding partition 0 is the controller) and it keeps every
 * command in one order. Not compacted: commands are a queue, not state.
 *
 * <p>It lives here rather than in the platform catalog until the deployment declares it (the
 * catalog and {@code deploy/base/kafka/topics.yaml} are held equal by a test).
 */
public final class RolloutCommandTopic {
  /** A week: a command queued while no controller runs is still applied when one starts. */
  static final Map<String, String> CONFIGS = Map.of("cleanup.policy", "delete", "retention.ms", "604800000");

  private final String name;

  public RolloutCommandTopic(KafkaSettings kafka) {
    this.name = kafka.topicPrefix() + ".rollout-commands";
  }

  public String name() {
    return name;
  }

  public TopicPartition partition() {
    return new TopicPartition(name, 0);
  }

  /** The consumer group whose one member holding the partition is the rollout controller. */
  public String controllerGroup() {
    return name.substring(0, name.length() - ".rollout-commands".length()) + ".edge-publisher.rollout-controller";
  }

  /** The controller's fixed transactional id: a new controller's producer fences the old one's. */
  public String transactionalId() {
    return controllerGroup();
  }

  /** Creates the topic unless it exists. */
  public void ensure(Admin admin, short replication) throws InterruptedException {
    try {
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      if (existing.contains(name)) {
        return;
      }
      admin.createTopics(List.of(new NewTopic(name, 1, replication).configs(CONFIGS))).all().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException("cannot create " + name + ": " + e.getCause().getMessage(), e.getCause());
      }
    } catch (TimeoutException e) {
      throw new IllegalStateException("cannot create " + name + ": timed out", e);
    }
  }
}
