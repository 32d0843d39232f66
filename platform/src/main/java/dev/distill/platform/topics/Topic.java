package dev.distill.platform.topics;

import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serde;

/**
 * A topic with its serdes and the settings it is created with. Code reads and writes topics
 * only through these, so a topic's name, format and configuration live in one place.
 *
 * @param partitions partition count used when the topic is created
 * @param configs topic-level configs (cleanup policy, max message size, ...)
 */
public record Topic<K, V>(
    String name, Serde<K> keySerde, Serde<V> valueSerde, int partitions, Map<String, String> configs) {

  public Topic {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(keySerde, "keySerde");
    Objects.requireNonNull(valueSerde, "valueSerde");
    if (partitions < 1) {
      throw new IllegalArgumentException("topic " + name + ": partitions must be >= 1");
    }
    configs = Map.copyOf(configs);
  }

  @Override
  public String toString() {
    return name;
  }
}
