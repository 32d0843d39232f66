package dev.distill.trainer.service;

import dev.distill.platform.topics.Topics;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
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
 */
final class Outbox implements AutoCloseable {
  private final KafkaProducer<String, byte[]> producer;
  private final String consumerGroup;
  private boolean open;

  Outbox(TrainerSettings settings) {
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
    this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    this.consumerGroup = settings.consumerGroup();
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

  /** Commits the open transaction (beginning one if needed) with the consumer's next offsets. */
  void commit(Map<TopicPartition, Long> nextOffsets) {
    begin();
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    nextOffsets.forEach((tp, o) -> offsets.put(tp, new OffsetAndMetadata(o)));
    producer.sendOffsetsToTransaction(offsets, new ConsumerGroupMetadata(consumerGroup));
    producer.commitTransaction();
    open = false;
  }

  boolean open() {
    return open;
  }

  /** Drops what was sent since the last commit (a stop without commit). */
  void abortIfOpen() {
    if (open) {
      producer.abortTransaction();
      open = false;
    }
  }

  private void begin() {
    if (!open) {
      producer.beginTransaction();
      open = true;
    }
  }

  @Override
  public void close() {
    producer.close();
  }
}
