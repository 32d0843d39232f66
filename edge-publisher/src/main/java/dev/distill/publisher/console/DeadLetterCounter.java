package dev.distill.publisher.console;

import dev.distill.contract.wire.DeadLetterHeaders;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.platform.topics.Topic;
import dev.distill.platform.topics.TopicFollower;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Dead letters counted by reason: follows the DLQ topics from their beginning (platform's
 * {@link TopicFollower}, assigned partitions, nothing committed) and keeps only a count per reason,
 * so a topic of large rejected records costs a few numbers here.
 *
 * <p>The reason is the record's {@link DeadLetterHeaders#REASON} header, which both writers
 * set (the teacher-scorer with a {@code DlqReason} code, the trainer with its own). The follower decodes the value with a serde that reads that header
 * instead of the bytes. Reasons are a small vocabulary; a foreign writer could invent many, so
 * beyond {@link #MAX_REASONS} they are counted as {@value #OTHER}.
 */
public final class DeadLetterCounter implements AutoCloseable {
  static final String UNKNOWN = "unknown";
  static final String OTHER = "other";
  static final int MAX_REASONS = 32;

  private final Map<String, LongAdder> byReason = new ConcurrentHashMap<>();
  private final List<TopicFollower<String, String>> followers = new ArrayList<>();

  // VisibleForTesting: counts what it is given
  DeadLetterCounter() {}

  /** Follows these DLQ topics from their beginning. */
  public static DeadLetterCounter follow(KafkaSettings kafka, List<Topic<String, byte[]>> dlqs, String clientId) {
    DeadLetterCounter counter = new DeadLetterCounter();
    for (Topic<String, byte[]> dlq : dlqs) {
      Topic<String, String> reasons = new Topic<>(dlq.name(), dlq.keySerde(), reasonSerde(), dlq.partitions(), dlq.configs());
      counter.followers.add(TopicFollower.start(kafka, reasons, clientId + "-" + dlq.name(), Map.of(),
          (key, reason, offset) -> counter.count(reason)));
    }
    return counter;
  }

  void count(String reason) {
    String r = reason == null || reason.isBlank() ? UNKNOWN : reason.length() > 64 ? reason.substring(0, 64) : reason;
    if (!byReason.containsKey(r) && byReason.size() >= MAX_REASONS) {
      r = OTHER;
    }
    byReason.computeIfAbsent(r, x -> new LongAdder()).increment();
  }

  Pipeline.DeadLetters counts() {
    Map<String, Long> out = new TreeMap<>();
    long total = 0;
    for (Map.Entry<String, LongAdder> e : byReason.entrySet()) {
      long n = e.getValue().sum();
      out.put(e.getKey(), n);
      total += n;
    }
    return new Pipeline.DeadLetters(total, out);
  }

  /** A value "decoded" as its reason header: the bytes themselves are never looked at. */
  static Serde<String> reasonSerde() {
    Serializer<String> unused = (topic, value) -> {
      throw new UnsupportedOperationException("the console only reads dead letters");
    };
    Deserializer<String> reason = new Deserializer<>() {
      @Override
      public String deserialize(String topic, byte[] data) {
        return UNKNOWN;
      }

      @Override
      public String deserialize(String topic, Headers headers, byte[] data) {
        Header h = headers == null ? null : headers.lastHeader(DeadLetterHeaders.REASON);
        return h == null || h.value() == null ? UNKNOWN : new String(h.value(), StandardCharsets.UTF_8);
      }
    };
    return Serdes.serdeFrom(unused, reason);
  }

  @Override
  public void close() {
    followers.forEach(TopicFollower::close);
  }
}
