package dev.distill.trainer.service;

import dev.distill.platform.topics.Topics;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The trainer's one transactional producer: everything it writes in a period (dead letters, a
 * version, a checkpoint) goes into one open transaction, which commits together with the
 * consumed offsets. Its transactional id is stable per model, so a restarted trainer fences its
 * predecessor.
 *
 * <p>A commit runs on a thread of its own while the caller goes on training: it is mostly waiting
 * for the broker to take a checkpoint of several times the model, 0.2-1.1 s a commit for the
 * demo's student on 2 busy cores with the broker beside it. Whatever the caller does next with
 * the outbox (send, commit, abort, close) first waits for that commit and throws its failure, so
 * transactions never overlap and a failed commit stops the loop as before; the caller learns of
 * success by {@link #settled}.
 */
final class Outbox implements AutoCloseable {
  private final Producer<String, byte[]> producer;
  private final String consumerGroup;
  private final ExecutorService committer;
  private boolean open;
  private CompletableFuture<Void> inFlight;

  Outbox(TrainerSettings settings) {
    this(producer(settings), settings.consumerGroup(), settings.modelName());
  }

  // VisibleForTesting: a MockProducer shows what each committed transaction held
  Outbox(Producer<String, byte[]> producer, String consumerGroup, String modelName) {
    this.producer = producer;
    this.consumerGroup = consumerGroup;
    this.committer = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "trainer-" + modelName + "-commit");
      t.setDaemon(true);
      return t;
    });
  }

  private static Producer<String, byte[]> producer(TrainerSettings settings) {
    Map<String, Object> p = new HashMap<>(settings.kafka().clientProperties());
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, settings.transactionalId());
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "trainer-" + settings.modelName());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MODEL_MAX_MESSAGE_BYTES);
    p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 2L * Topics.MODEL_MAX_MESSAGE_BYTES);
    // a transaction spans one consideration period plus the validation of two networks and the export
    long timeout = Math.min(900_000, settings.versionEvery().toMillis() * 2 + 120_000);
    p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) timeout);
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  /** Fences a previous incarnation and aborts its open transaction; call before offsets are read. */
  void fence() {
    producer.initTransactions();
  }

  /** Sends within the open transaction, beginning one if none is open. */
  void send(ProducerRecord<String, byte[]> record) {
    begin();
    producer.send(record);
  }

  /**
   * Starts committing the open transaction (beginning one if needed) with the consumer's next
   * offsets, and returns while it commits; {@link #settled} says when it has.
   */
  void commit(Map<TopicPartition, Long> nextOffsets) {
    commit(nextOffsets, List::of);
  }

  /**
   * Like {@link #commit(Map)}, but the transaction's last records are made on the commit thread
   * first: work the caller's thread should not wait for (a version's variants, measured in ONNX
   * Runtime) still commits atomically with everything else. {@code last} must not touch what the
   * caller goes on changing.
   */
  void commit(Map<TopicPartition, Long> nextOffsets, Supplier<List<ProducerRecord<String, byte[]>>> last) {
    begin();
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    nextOffsets.forEach((tp, o) -> offsets.put(tp, new OffsetAndMetadata(o)));
    open = false;
    inFlight = CompletableFuture.runAsync(() -> {
      last.get().forEach(producer::send);
      producer.sendOffsetsToTransaction(offsets, new ConsumerGroupMetadata(consumerGroup));
      producer.commitTransaction();
    }, committer);
  }

  /**
   * Whether no commit is in flight any more, waiting for it when {@code wait}; a failed commit
   * throws its failure.
   */
  boolean settled(boolean wait) {
    if (inFlight == null) {
      return true;
    }
    if (!wait && !inFlight.isDone()) {
      return false;
    }
    try {
      inFlight.join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    } finally {
      inFlight = null;
    }
    return true;
  }

  /** Whether something was sent since the last commit. */
  boolean open() {
    return open;
  }

  /** Drops what was sent since the last commit (a stop without commit); a commit in flight completes first. */
  void abortIfOpen() {
    settled(true);
    if (open) {
      producer.abortTransaction();
      open = false;
    }
  }

  private void begin() {
    settled(true);
    if (!open) {
      producer.beginTransaction();
      open = true;
    }
  }

  @Override
  public void close() {
    // after a failure elsewhere a commit may still be in flight: let it end before the producer does
    if (inFlight != null) {
      inFlight.handle((ok, e) -> null).join();
    }
    committer.shutdown();
    producer.close();
  }
}
