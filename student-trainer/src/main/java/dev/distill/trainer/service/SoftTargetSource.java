package dev.distill.trainer.service;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The trainer's read_committed consumer of the soft targets: every partition assigned (one writer
 * per model, so no group rebalancing), each from its committed offset or the beginning; offsets
 * are committed through the {@link Outbox}'s transactions, never by the consumer.
 *
 * <p>Once {@link #start}ed, the consumer polls and decodes on a thread of its own, a few polls
 * ahead of training: the training thread then neither waits for the broker's fetches nor decodes
 * (together about a tenth of the small student's time when they were on it). The records waiting
 * in between are not consumed as far as the trainer's state goes: their offsets count once the
 * training thread has handled them, and a stop drops them, to be read again by the next run.
 */
final class SoftTargetSource implements AutoCloseable {
  /** Polls decoded ahead of training, up to {@code max.poll.records} each. */
  static final int POLLS_AHEAD = 4;

  /** A record and what its decoding made of it. */
  record Fetched<T>(ConsumerRecord<String, byte[]> record, T decoded) {}

  private final KafkaConsumer<String, byte[]> consumer;
  private final List<TopicPartition> partitions = new ArrayList<>();
  private final BlockingQueue<List<Fetched<Intake.Decoded>>> ahead = new ArrayBlockingQueue<>(POLLS_AHEAD);
  private final AtomicLong waiting = new AtomicLong();
  private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
  private final String threadName;
  private volatile boolean closed;
  private volatile double consumerLag;
  private Thread fetcher;

  SoftTargetSource(TrainerSettings settings) {
    Map<String, Object> p = new HashMap<>(settings.kafka().clientProperties());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, settings.consumerGroup());
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "trainer-" + settings.modelName());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
    this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    this.threadName = "trainer-" + settings.modelName() + "-fetch";
  }

  /** Assigns every partition of {@code topic}; tells {@code offsets} where each starts. Call before {@link #start}. */
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

  /** Starts polling on the consumer's own thread, each record decoded there by {@code decode}. */
  void start(Function<ConsumerRecord<String, byte[]>, Intake.Decoded> decode) {
    fetcher = new Thread(() -> fetch(decode), threadName);
    fetcher.setDaemon(true);
    fetcher.start();
  }

  private void fetch(Function<ConsumerRecord<String, byte[]>, Intake.Decoded> decode) {
    try {
      while (!closed) {
        ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(200));
        double lag = 0;
        for (TopicPartition tp : partitions) {
          lag += consumer.currentLag(tp).orElse(0);
        }
        consumerLag = lag;
        if (records.isEmpty()) {
          continue;
        }
        List<Fetched<Intake.Decoded>> batch = new ArrayList<>(records.count());
        for (ConsumerRecord<String, byte[]> r : records) {
          batch.add(new Fetched<>(r, decode.apply(r)));
        }
        waiting.addAndGet(batch.size());
        while (!closed && !ahead.offer(batch, 200, TimeUnit.MILLISECONDS)) {
          // training is behind: wait for room
        }
      }
    } catch (WakeupException | InterruptedException e) {
      // closing
    } catch (RuntimeException e) {
      failure.set(e);
    } finally {
      closeConsumer();
    }
  }

  private void closeConsumer() {
    try {
      consumer.close();
    } catch (WakeupException e) {
      // a wakeup that came after the last poll: closed all the same
    }
  }

  /**
   * The next poll's records, decoded, in the consumer's order; none after {@code timeout}.
   *
   * @throws RuntimeException what stopped the consumer's thread (the broker refusing access, ...)
   */
  List<Fetched<Intake.Decoded>> poll(Duration timeout) throws InterruptedException {
    List<Fetched<Intake.Decoded>> next = ahead.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (next == null) {
      RuntimeException e = failure.get();
      if (e != null) {
        throw e;
      }
      return List.of();
    }
    waiting.addAndGet(-next.size());
    return next;
  }

  /** Soft targets not yet handed to training, over every partition. */
  double lag() {
    return consumerLag + waiting.get();
  }

  /** Ends the consumer's thread; a training thread waiting in {@link #poll} returns by its timeout. */
  void wakeup() {
    closed = true;
    consumer.wakeup();
  }

  @Override
  public void close() throws InterruptedException {
    closed = true;
    if (fetcher == null) {
      closeConsumer();
      return;
    }
    consumer.wakeup();
    fetcher.join();
  }
}
