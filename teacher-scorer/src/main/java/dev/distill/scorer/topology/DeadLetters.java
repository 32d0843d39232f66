package dev.distill.scorer.topology;

import dev.distill.contract.wire.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The dead-letter record of a sample that cannot be scored: the original key, value bytes,
 * timestamp and headers, plus headers that say why and where it came from, so it can be
 * inspected, fixed and sent again.
 *
 * <p>A dead letter is never larger than {@link #MAX_BYTES}: a record just under the topic's limit
 * plus the reason headers would be refused by the broker, and the scorer would fail on that
 * record again after every restart. Beyond the bound the original headers are left out first,
 * then the value is cut; {@link #TRUNCATED} then holds the original value's length and
 * {@link #VALUE_SHA256} its hash, so the record can still be found at its source offset.
 */
public final class DeadLetters {
  /** The stable reason code ({@link DlqReason#code()}); the names every dead letter shares are the contract's. */
  public static final String REASON = DeadLetterHeaders.REASON;
  /** The precise problem, e.g. the field at fault. */
  public static final String MESSAGE = DeadLetterHeaders.MESSAGE;
  /** Class name of the exception that found the problem. */
  public static final String EXCEPTION = DeadLetterHeaders.EXCEPTION;
  public static final String SOURCE_TOPIC = DeadLetterHeaders.SOURCE_TOPIC;
  public static final String SOURCE_PARTITION = DeadLetterHeaders.SOURCE_PARTITION;
  public static final String SOURCE_OFFSET = DeadLetterHeaders.SOURCE_OFFSET;
  /** Set when the value was cut: the original value's length in bytes. */
  public static final String TRUNCATED = "distill.dlq.truncated";
  /** Set when the value was cut: SHA-256 (hex) of the original value. */
  public static final String VALUE_SHA256 = "distill.dlq.value.sha256";
  /** Set when the original headers were left out: how many there were. */
  public static final String HEADERS_DROPPED = "distill.dlq.headers.dropped";
  /** Longer messages are cut: a header is no place for a whole stack of causes. */
  static final int MAX_MESSAGE_CHARS = 2000;
  /**
   * Key, value and headers of a dead letter together, at most: under the broker's and the
   * producer's default limit of 1 MiB per record with room for the batch's own framing.
   */
  public static final int MAX_BYTES = 1_000_000;
  /** Bytes a header costs on the wire beyond its key and value (varint lengths and count), at most. */
  private static final int HEADER_OVERHEAD = 10;

  private DeadLetters() {}

  static Record<byte[], byte[]> of(RawRecord r, UnscorableSampleException problem) {
    String message = problem.getMessage() == null ? "" : problem.getMessage();
    if (message.length() > MAX_MESSAGE_CHARS) {
      message = message.substring(0, MAX_MESSAGE_CHARS) + "...";
    }
    Headers ours = new RecordHeaders();
    add(ours, REASON, problem.reason().code());
    add(ours, MESSAGE, message);
    add(ours, EXCEPTION, problem.detectedBy());
    add(ours, SOURCE_TOPIC, r.topic());
    add(ours, SOURCE_PARTITION, Integer.toString(r.partition()));
    add(ours, SOURCE_OFFSET, Long.toString(r.offset()));
    byte[] key = r.key();
    if (key != null && key.length > MAX_BYTES / 4) {
      key = Arrays.copyOf(key, MAX_BYTES / 4); // a sample id is short: a huge key is part of the problem
    }
    byte[] value = r.value();
    Headers original = r.headersCopy();
    // room for our headers and the two that a cut adds
    long budget = MAX_BYTES - size(ours) - 2L * (HEADER_OVERHEAD + 64 + 32) - (key == null ? 0 : key.length);
    if (size(original) + length(value) > budget) {
      int dropped = original.toArray().length;
      if (size(original) > budget / 2 && dropped > 0) {
        add(ours, HEADERS_DROPPED, Integer.toString(dropped));
        original = new RecordHeaders();
        budget -= HEADER_OVERHEAD + HEADERS_DROPPED.length() + 10;
      }
      long room = budget - size(original);
      if (value != null && value.length > room) {
        add(ours, TRUNCATED, Integer.toString(value.length));
        add(ours, VALUE_SHA256, sha256(value));
        value = Arrays.copyOf(value, (int) Math.max(0, room));
      }
    }
    for (Header x : ours) {
      original.add(x);
    }
    return new Record<>(key, value, r.timestamp(), original);
  }

  private static long length(byte[] b) {
    return b == null ? 0 : b.length;
  }

  private static long size(Headers headers) {
    long n = 0;
    for (Header x : headers) {
      n += HEADER_OVERHEAD + x.key().getBytes(StandardCharsets.UTF_8).length + length(x.value());
    }
    return n;
  }

  private static String sha256(byte[] value) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(value));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void add(Headers h, String key, String value) {
    h.add(key, value.getBytes(StandardCharsets.UTF_8));
  }
}
