package dev.distill.scorer.topology;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The dead-letter record of a sample that cannot be scored: the original key, value bytes,
 * timestamp and headers, plus headers that say why and where it came from, so it can be
 * inspected, fixed and sent again.
 */
public final class DeadLetters {
  /** The stable reason code ({@link DlqReason#code()}). */
  public static final String REASON = "distill.dlq.reason";
  /** The precise problem, e.g. the field at fault. */
  public static final String MESSAGE = "distill.dlq.message";
  /** Class name of the exception that found the problem. */
  public static final String EXCEPTION = "distill.dlq.exception";
  public static final String SOURCE_TOPIC = "distill.dlq.source.topic";
  public static final String SOURCE_PARTITION = "distill.dlq.source.partition";
  public static final String SOURCE_OFFSET = "distill.dlq.source.offset";
  /** Longer messages are cut: a header is no place for a whole stack of causes. */
  static final int MAX_MESSAGE_CHARS = 2000;

  private DeadLetters() {}

  static Record<byte[], byte[]> of(RawRecord r, UnscorableSampleException problem) {
    Headers h = r.headersCopy();
    String message = problem.getMessage() == null ? "" : problem.getMessage();
    if (message.length() > MAX_MESSAGE_CHARS) {
      message = message.substring(0, MAX_MESSAGE_CHARS) + "...";
    }
    add(h, REASON, problem.reason().code());
    add(h, MESSAGE, message);
    add(h, EXCEPTION, problem.detectedBy());
    add(h, SOURCE_TOPIC, r.topic());
    add(h, SOURCE_PARTITION, Integer.toString(r.partition()));
    add(h, SOURCE_OFFSET, Long.toString(r.offset()));
    return new Record<>(r.key(), r.value(), r.timestamp(), h);
  }

  private static void add(Headers h, String key, String value) {
    h.add(key, value.getBytes(StandardCharsets.UTF_8));
  }
}
