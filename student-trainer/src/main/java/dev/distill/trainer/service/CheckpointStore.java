package dev.distill.trainer.service;

import dev.distill.contract.proto.TrainerCheckpoint;
import dev.distill.platform.topics.Topic;
import dev.distill.platform.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads back a model's committed state at start-up: its last checkpoint, which holds the resume
 * state and the published version's weights (so that the gate can measure the published version
 * on the new validation slice). The topic is read to its end as read_committed, so only what was
 * committed with offsets counts.
 */
final class CheckpointStore {
  private final TrainerSettings settings;
  private final Topics topics;

  CheckpointStore(TrainerSettings settings) {
    this.settings = settings;
    this.topics = settings.kafka().topics();
  }

  Optional<TrainerCheckpoint> restore() {
    TrainerCheckpoint[] last = {null};
    readAll(topics.trainerCheckpoints(), c -> last[0] = c);
    if (last[0] == null) {
      return Optional.empty();
    }
    TrainerCheckpoint checkpoint = last[0];
    if (!checkpoint.getArchitecture().equals(settings.architecture().spec())) {
      throw new IllegalStateException("model " + settings.modelName() + " was trained as "
          + checkpoint.getArchitecture() + ", not " + settings.architecture()
          + ": keep the architecture or choose a new model name");
    }
    return Optional.of(checkpoint);
  }

  /** Every committed value of this model on {@code topic}, oldest first. */
  private <V> void readAll(Topic<String, V> topic, Consumer<V> each) {
    Map<String, Object> p = new HashMap<>(settings.kafka().clientProperties());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Topics.MODEL_MAX_MESSAGE_BYTES);
    p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Topics.MODEL_MAX_MESSAGE_BYTES);
    try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> parts = new ArrayList<>();
      c.partitionsFor(topic.name()).forEach(i -> parts.add(new TopicPartition(i.topic(), i.partition())));
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
          if (settings.modelName().equals(r.key()) && r.value() != null) {
            each.accept(topic.valueSerde().deserializer().deserialize(r.topic(), r.value()));
          }
        }
      }
    }
  }
}
