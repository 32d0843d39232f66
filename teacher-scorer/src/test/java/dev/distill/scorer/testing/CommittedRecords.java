package dev.distill.scorer.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Everything committed to a topic, as a downstream reader sees it ({@code read_committed}),
 * collected incrementally: duplicates stay visible.
 */
public final class CommittedRecords<K, V> implements AutoCloseable {
  private final KafkaConsumer<K, V> consumer;
  private final List<TopicPartition> partitions = new ArrayList<>();
  private final List<ConsumerRecord<K, V>> records = new ArrayList<>();

  public CommittedRecords(String bootstrap, String topic, int partitionCount, Deserializer<K> keys, Deserializer<V> values) {
    Map<String, Object> p = new HashMap<>();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumer = new KafkaConsumer<>(p, keys, values);
    for (int i = 0; i < partitionCount; i++) {
      partitions.add(new TopicPartition(topic, i));
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
  }

  /** Polls until at least {@code n} records arrived, or fails after {@code timeout}. */
  public List<ConsumerRecord<K, V>> awaitAtLeast(int n, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (records.size() < n) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("only " + records.size() + " of " + n + " committed records after " + timeout);
      }
      poll();
    }
    return records;
  }

  /**
   * Polls until this reader has consumed up to the end of every partition as it stands now (for
   * {@code read_committed}: the last stable offset), so that nothing committed so far is missed.
   */
  public List<ConsumerRecord<K, V>> drainToEnd(Duration timeout) {
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
    long deadline = System.nanoTime() + timeout.toNanos();
    Predicate<TopicPartition> behind = tp -> consumer.position(tp) < end.get(tp);
    while (partitions.stream().anyMatch(behind)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("did not reach the end offsets " + end + " within " + timeout);
      }
      poll();
    }
    return records;
  }

  public List<ConsumerRecord<K, V>> records() {
    return records;
  }

  private void poll() {
    consumer.poll(Duration.ofMillis(200)).forEach(records::add);
  }

  @Override
  public void close() {
    consumer.close(Duration.ofSeconds(5));
  }

  /** Waits for a condition that other processes make true, polling every 100 ms. */
  public static void await(String what, Duration timeout, java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
      }
      TimeUnit.MILLISECONDS.sleep(100);
    }
  }
}
