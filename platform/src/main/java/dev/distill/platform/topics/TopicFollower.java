package dev.distill.platform.topics;

import dev.distill.platform.config.KafkaSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one topic from its beginning and then follows it, on a thread of its own, with an
 * assigned consumer: no consumer group, so every instance of a service reads every record, and
 * nothing is committed. This is how a service rebuilds local state from a compacted topic:
 * {@link #awaitCaughtUp} returns once the end offsets found at the start have been read (the
 * state is then as current as the topic was), and records written later keep arriving until
 * {@link #close()}.
 *
 * <p>Records reach the handler in offset order per partition, read_committed. A record whose
 * value does not decode is logged and skipped; an exception from the handler stops the follower
 * ({@link #failure()}), since the handler's state would be wrong from then on.
 */
public final class TopicFollower<K, V> implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TopicFollower.class);
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration METADATA_WAIT = Duration.ofSeconds(30);

  /** What the follower hands records to, on its own thread. */
  public interface Handler<K, V> {
    /** One record; {@code value} is null for a tombstone. */
    void record(K key, V value, long offset) throws Exception;

    /** One record, with its partition (what the follower calls); by default {@link #record(Object, Object, long)}. */
    default void record(K key, V value, int partition, long offset) throws Exception {
      record(key, value, offset);
    }

    /** Everything that was in the topic at the start has been handed over. */
    default void caughtUp() throws Exception {}

    /** The follower stopped on its own (see {@link TopicFollower#failure()}); called once, on its thread. */
    default void failed(Throwable cause) {}
  }

  private final Topic<K, V> topic;
  private final Consumer<byte[], byte[]> consumer;
  private final Handler<K, V> handler;
  private final Thread thread;
  private final CountDownLatch caughtUpOrStopped = new CountDownLatch(1);
  private volatile boolean caughtUp;
  private volatile boolean running = true;
  private volatile Throwable failure;

  // VisibleForTesting: any consumer, e.g. a MockConsumer
  TopicFollower(Topic<K, V> topic, Consumer<byte[], byte[]> consumer, String threadName, Handler<K, V> handler) {
    this.topic = topic;
    this.consumer = consumer;
    this.handler = handler;
    this.thread = new Thread(this::run, threadName);
    thread.setDaemon(true);
  }

  /**
   * Starts following.
   *
   * @param clientId the consumer's client id (and the thread's name)
   * @param overrides consumer settings of this use (fetch sizes, ...); the {@code KAFKA_*}
   *     overrides of the settings still win
   */
  public static <K, V> TopicFollower<K, V> start(KafkaSettings kafka, Topic<K, V> topic, String clientId,
      Map<String, Object> overrides, Handler<K, V> handler) {
    Map<String, Object> p = new HashMap<>(Map.of(
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        // a compacted topic may lose the offset this consumer stands at while it waits
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"));
    p.putAll(overrides);
    p.putAll(kafka.clientProperties());
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    return new TopicFollower<>(topic, consumer, clientId, handler).start();
  }

  // VisibleForTesting
  TopicFollower<K, V> start() {
    thread.start();
    return this;
  }

  public Topic<K, V> topic() {
    return topic;
  }

  /** Whether everything that was in the topic at the start has been handed to the handler. */
  public boolean caughtUp() {
    return caughtUp;
  }

  /**
   * Waits until {@link #caughtUp()}, the follower stops, or the time is up.
   *
   * @return whether it has caught up
   */
  public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
    caughtUpOrStopped.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    return caughtUp;
  }

  /** Why the follower stopped on its own, if it did. */
  public Optional<Throwable> failure() {
    return Optional.ofNullable(failure);
  }

  /** False once the follower has stopped on its own (after a failure); true while it runs or after {@link #close()}. */
  public boolean alive() {
    return failure == null && (thread.isAlive() || !running);
  }

  private void run() {
    try {
      List<TopicPartition> partitions = partitions();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, METADATA_WAIT);
      log.info("reading {} from the beginning up to offsets {}", topic.name(), end.values());
      var keys = topic.keySerde().deserializer();
      var values = topic.valueSerde().deserializer();
      while (running) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
          K key;
          V value;
          try {
            key = keys.deserialize(r.topic(), r.headers(), r.key());
            value = values.deserialize(r.topic(), r.headers(), r.value());
          } catch (SerializationException e) {
            log.warn("{}: skipping the undecodable record at offset {}: {}", topic.name(), r.offset(), e.getMessage());
            continue;
          }
          handler.record(key, value, r.partition(), r.offset());
        }
        if (!caughtUp && reached(end)) {
          handler.caughtUp();
          caughtUp = true;
          caughtUpOrStopped.countDown();
          log.info("{}: caught up at offsets {}", topic.name(), end.values());
        }
      }
    } catch (WakeupException e) {
      if (running) {
        failure = e;
      }
    } catch (InterruptedException e) {
      if (running) {
        failure = e;
      }
    } catch (Throwable t) {
      failure = t;
      log.error("following {} stopped", topic.name(), t);
    } finally {
      if (failure != null) {
        handler.failed(failure);
      }
      caughtUpOrStopped.countDown();
      consumer.close(Duration.ofSeconds(5));
    }
  }

  /** The topic's partitions, waiting while the cluster cannot be reached (the consumer retries by itself later on). */
  private List<TopicPartition> partitions() throws InterruptedException {
    while (true) {
      try {
        List<PartitionInfo> infos = consumer.partitionsFor(topic.name(), METADATA_WAIT);
        if (infos == null || infos.isEmpty()) {
          throw new IllegalStateException("topic " + topic.name() + " does not exist");
        }
        return infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
      } catch (TimeoutException e) {
        log.warn("{}: no answer from Kafka within {}, still trying", topic.name(), METADATA_WAIT);
        if (!running) {
          throw new InterruptedException("closed");
        }
      }
    }
  }

  private boolean reached(Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey(), METADATA_WAIT) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  /** Stops the thread (within a few seconds) and closes the consumer. */
  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
