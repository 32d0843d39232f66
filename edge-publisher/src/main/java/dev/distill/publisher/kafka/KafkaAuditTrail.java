package dev.distill.publisher.kafka;

import dev.distill.contract.proto.AuditRecord;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.platform.ingest.KafkaClients;
import dev.distill.platform.topics.Topic;
import dev.distill.publisher.http.AuditTrail;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail in {@code <prefix>.audit}, keyed by operator, written by an idempotent acks=all
 * producer without waiting for the acknowledgement (with Kafka unreachable, a call waits at most
 * {@code max.block.ms}, 10 s, for metadata); every record is also a log line, and a record Kafka
 * did not take is logged as an error with its content.
 */
public final class KafkaAuditTrail implements AuditTrail, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KafkaAuditTrail.class);

  private final Topic<String, AuditRecord> topic;
  private final KafkaProducer<String, AuditRecord> producer;

  public KafkaAuditTrail(KafkaSettings kafka, Topic<String, AuditRecord> topic, String clientId) {
    this.topic = topic;
    this.producer = KafkaClients.producer(kafka, topic, clientId, Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000));
  }

  @Override
  public void record(AuditRecord record) {
    logged().record(record);
    producer.send(new ProducerRecord<>(topic.name(), record.getOperator(), record), (meta, e) -> {
      if (e != null) {
        log.error("audit record not written to {}: {} ({})", topic.name(), record, e.toString());
      }
    });
  }

  /** An audit trail in the log only (a publisher without Kafka). */
  public static AuditTrail logged() {
    return r -> log.info("audit: operator {} ({}) {} {} -> {} {} on {}", r.getOperator(), r.getRole(), r.getMethod(),
        r.getPath(), r.getStatus(), r.getCode(), r.getReplica());
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
  }
}
