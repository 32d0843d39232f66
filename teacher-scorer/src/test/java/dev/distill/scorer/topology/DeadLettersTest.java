package dev.distill.scorer.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

/** A dead letter always fits the topic: small records travel whole, large ones are cut and say so. */
class DeadLettersTest {
  static final UnscorableSampleException PROBLEM = new UnscorableSampleException(DlqReason.OVERSIZED, "too big");

  static long size(Record<byte[], byte[]> r) {
    long n = (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
    for (Header h : r.headers()) {
      n += 10 + h.key().length() + (h.value() == null ? 0 : h.value().length);
    }
    return n;
  }

  static String header(Record<byte[], byte[]> r, String key) {
    Header h = r.headers().lastHeader(key);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  @Test
  void aSmallRecordTravelsWholeWithItsHeadersAndTheReason() {
    Header[] headers = {new RecordHeader("origin", "cam".getBytes(StandardCharsets.UTF_8))};
    Record<byte[], byte[]> d = DeadLetters.of(new RawRecord("k".getBytes(StandardCharsets.UTF_8), new byte[500], headers,
        "t", 1, 7, 99), PROBLEM);
    assertThat(d.value()).hasSize(500);
    assertThat(header(d, "origin")).isEqualTo("cam");
    assertThat(header(d, DeadLetters.REASON)).isEqualTo("oversized");
    assertThat(header(d, DeadLetters.TRUNCATED)).isNull();
    assertThat(d.timestamp()).isEqualTo(99);
  }

  @Test
  void aValueAtTheLimitIsCutWithItsLengthAndHash() {
    Record<byte[], byte[]> d = DeadLetters.of(new RawRecord(new byte[10], new byte[1_048_000], new Header[0], "t", 0, 1, 1),
        PROBLEM);
    assertThat(size(d)).isLessThanOrEqualTo(DeadLetters.MAX_BYTES);
    assertThat(header(d, DeadLetters.TRUNCATED)).isEqualTo("1048000");
    assertThat(header(d, DeadLetters.VALUE_SHA256)).hasSize(64);
    assertThat(header(d, DeadLetters.SOURCE_OFFSET)).isEqualTo("1");
  }

  @Test
  void hugeHeadersAreLeftOutBeforeTheValueIsCutAndAHugeKeyIsCut() {
    Header[] headers = new Header[100];
    for (int i = 0; i < headers.length; i++) {
      headers[i] = new RecordHeader("h" + i, new byte[9_000]);
    }
    Record<byte[], byte[]> d = DeadLetters.of(new RawRecord(new byte[600_000], new byte[200_000], headers, "t", 0, 1, 1),
        PROBLEM);
    assertThat(size(d)).isLessThanOrEqualTo(DeadLetters.MAX_BYTES);
    assertThat(header(d, DeadLetters.HEADERS_DROPPED)).isEqualTo("100");
    assertThat(d.headers().lastHeader("h0")).isNull();
    assertThat(d.key()).hasSize(DeadLetters.MAX_BYTES / 4);
    assertThat(d.value()).as("the value fits once the headers are out").hasSize(200_000);
    assertThat(header(d, DeadLetters.TRUNCATED)).isNull();
  }
}
