package dev.distill.platform.config;

import dev.distill.platform.topics.Topics;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * How a service reaches Kafka: the bootstrap servers, the topic prefix and partitioning, the
 * replication factor for topics it creates, and any {@code KAFKA_*} client overrides.
 */
public record KafkaSettings(
    String bootstrapServers,
    String topicPrefix,
    int dataPartitions,
    short replicationFactor,
    Map<String, String> clientOverrides) {

  public static final String BOOTSTRAP = "DISTILL_BOOTSTRAP_SERVERS";
  public static final String TOPIC_PREFIX = "DISTILL_TOPIC_PREFIX";
  public static final String PARTITIONS = "DISTILL_PARTITIONS";
  public static final String REPLICATION = "DISTILL_REPLICATION_FACTOR";
  private static final Pattern HOST_PORTS =
      Pattern.compile("[A-Za-z0-9._\\[\\]:-]+:\\d{1,5}(,[A-Za-z0-9._\\[\\]:-]+:\\d{1,5})*");

  public KafkaSettings {
    clientOverrides = Map.copyOf(clientOverrides);
  }

  public static KafkaSettings read(ConfigReader r) {
    String bootstrap = r.string(BOOTSTRAP, "localhost:9092", HOST_PORTS, "host:port[,host:port...]");
    String prefix = r.string(TOPIC_PREFIX, Topics.DEFAULT_PREFIX, Topics.PREFIX_PATTERN,
        "letters, digits, '.', '_' or '-' (at most 200)");
    int partitions = r.intValue(PARTITIONS, 4, 1, 1024);
    int replication = r.intValue(REPLICATION, 1, 1, 16);
    return new KafkaSettings(bootstrap, prefix, partitions, (short) replication, r.kafkaPassthrough());
  }

  public Topics topics() {
    return Topics.withPrefix(topicPrefix, dataPartitions);
  }

  /** Client properties: bootstrap servers, then the overrides, which win. */
  public Map<String, Object> clientProperties() {
    Map<String, Object> p = new HashMap<>();
    p.put("bootstrap.servers", bootstrapServers);
    p.putAll(clientOverrides);
    return p;
  }

  @Override
  public String toString() {
    Map<String, String> shown = new java.util.TreeMap<>();
    clientOverrides.forEach((k, v) -> shown.put(k, ConfigReader.display(k, v)));
    return "KafkaSettings[bootstrapServers=" + bootstrapServers + ", topicPrefix=" + topicPrefix
        + ", dataPartitions=" + dataPartitions + ", replicationFactor=" + replicationFactor
        + ", clientOverrides=" + shown + "]";
  }
}
