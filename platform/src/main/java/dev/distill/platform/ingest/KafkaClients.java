package dev.distill.platform.ingest;

import dev.distill.platform.config.KafkaSettings;
import dev.distill.platform.topics.Topic;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;

/** Producer settings shared by everything that writes records of its own (samples, teachers). */
public final class KafkaClients {
  private KafkaClients() {}

  /** An idempotent, acks=all producer for a topic; the settings' overrides win. */
  public static <K, V> KafkaProducer<K, V> producer(KafkaSettings kafka, Topic<K, V> topic, String clientId) {
    return producer(kafka, topic, clientId, Map.of());
  }

  /**
   * The same, with settings of this use ({@code max.block.ms}, ...) on top of the shared ones; the
   * settings' {@code KAFKA_*} overrides still win.
   */
  public static <K, V> KafkaProducer<K, V> producer(KafkaSettings kafka, Topic<K, V> topic, String clientId,
      Map<String, Object> extra) {
    Map<String, Object> p = new java.util.HashMap<>(Map.of(
        ProducerConfig.CLIENT_ID_CONFIG, clientId,
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
        ProducerConfig.LINGER_MS_CONFIG, 5,
        ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
        ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"));
    p.putAll(extra);
    p.putAll(kafka.clientProperties());
    return new KafkaProducer<>(p, topic.keySerde().serializer(), topic.valueSerde().serializer());
  }
}
