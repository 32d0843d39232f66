package dev.distill.trainer.service;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The trainer's read_committed consumer of the soft targets: every partition assigned (one writer
 * per model, so no group rebalancing), each from its committed offset or the beginning; offsets
 * are committed through the {@link Outbox}'s transactions, never by the consumer.
 */
final class SoftTargetSource implements AutoCloseable {
  private final KafkaConsumer<String, byte[]> consumer;
  private final List<TopicPartition> partitions = new ArrayList<>();

  SoftTargetSource(TrainerSettings settings) {
    Map<String, Object> p = new HashMap<>(settings.kafka().clientProperties());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, settings.consumerGroup());
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "trainer-" + settings.modelName());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
    this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
  }

  /** Assigns every partition of {@code topic}; tells {@code offsets} where each starts. */
  void assign(String topic, ConsumedOffsets offsets) {
    consumer.partitionsFor(topic).forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
    consumer.assign(partitions);
    Map<TopicPartition, OffsetAndMetadata> start = consumer.committed(new HashSet<>(partitions));
    for (TopicPartition tp : partitions) {
      OffsetAndMetadata o = start.get(tp);
      if (o == null) {
        consumer.seekToBeginning(List.of(tp));
      } else {
        consumer.seek(tp, o.offset());
        offsets.startAt(tp, o.offset());
      }
    }
  }

  ConsumerRecords<String, byte[]> poll(Duration timeout) {
    return consumer.poll(timeout);
  }

  /** Soft targets not yet consumed, over every partition. */
  double lag() {
    double behind = 0;
    for (TopicPartition tp : partitions) {
      behind += consumer.currentLag(tp).orElse(0);
    }
    return behind;
  }

  /** Interrupts a blocking poll from another thread. */
  void wakeup() {
    consumer.wakeup();
  }

  @Override
  public void close() {
    consumer.close();
  }
}
