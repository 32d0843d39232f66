package dev.distill.publisher.console;

import dev.distill.contract.proto.SoftTarget;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.platform.topics.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The teacher in use: who scored the newest soft target. Reads only the last few records of each
 * partition of the soft-targets topic each time it is asked (assigned partitions, no group,
 * nothing committed), so the cost does not grow with the topic.
 *
 * <p>A few, not one: the scorer writes in transactions, and a partition's last offset is then a
 * transaction marker, which no consumer is handed.
 */
final class LatestTeacher implements AutoCloseable {
  /** Records read back from each partition's end. */
  static final int TAIL = 8;
  private static final Duration WAIT = Duration.ofSeconds(2);

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Topic<String, SoftTarget> topic;
  private final Deserializer<SoftTarget> values;
  private List<TopicPartition> partitions = List.of();

  LatestTeacher(KafkaSettings kafka, Topic<String, SoftTarget> topic, String clientId) {
    Map<String, Object> p = new HashMap<>(Map.of(
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 4 * TAIL));
    p.putAll(kafka.clientProperties());
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.topic = topic;
    this.values = topic.valueSerde().deserializer();
  }

  /** The newest soft target's teacher, or null when the topic holds none (or none could be read in time). */
  Pipeline.Teacher read() {
    if (partitions.isEmpty()) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic.name(), WAIT);
      if (infos == null || infos.isEmpty()) {
        return null;
      }
      List<TopicPartition> found = new ArrayList<>();
      infos.forEach(i -> found.add(new TopicPartition(i.topic(), i.partition())));
      partitions = found;
      consumer.assign(partitions);
    }
    Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, WAIT);
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions, WAIT);
    List<TopicPartition> pending = new ArrayList<>();
    for (TopicPartition tp : partitions) {
      long from = Math.max(begin.getOrDefault(tp, 0L), end.getOrDefault(tp, 0L) - TAIL);
      if (from < end.getOrDefault(tp, 0L)) {
        consumer.seek(tp, from);
        pending.add(tp);
      }
    }
    consumer.pause(partitions);
    consumer.resume(pending);
    SoftTarget newest = null;
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!pending.isEmpty() && System.nanoTime() < deadline) {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
        try {
          SoftTarget t = values.deserialize(r.topic(), r.headers(), r.value());
          if (t != null && (newest == null || t.getScoredAtMs() >= newest.getScoredAtMs())) {
            newest = t;
          }
        } catch (SerializationException e) {
          // a record that does not decode says nothing about the teacher
        }
      }
      pending.removeIf(tp -> consumer.position(tp, WAIT) >= end.get(tp));
    }
    return newest == null ? null : new Pipeline.Teacher(newest.getTeacherId(), newest.getTeacherVersion(),
        newest.getTemperature(), newest.getScoredAtMs());
  }

  @Override
  public void close() {
    consumer.close(Duration.ofSeconds(5));
  }
}
