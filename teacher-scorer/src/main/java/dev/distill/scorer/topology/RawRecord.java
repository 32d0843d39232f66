package dev.distill.scorer.topology;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * An input record exactly as it arrived, with where it came from: what a dead letter must
 * reproduce, and what the batch buffer keeps (encoded by {@link #toBytes()}) so that a record
 * buffered across a commit survives a crash.
 */
record RawRecord(byte[] key, byte[] value, Header[] headers, String topic, int partition, long offset, long timestamp) {
  private static final byte FORMAT = 1;

  Headers headersCopy() {
    RecordHeaders copy = new RecordHeaders();
    for (Header h : headers) {
      copy.add(h.key(), h.value());
    }
    return copy;
  }

  /** Where the record stood in its topic, e.g. {@code distill.samples-2@1041}. */
  String position() {
    return topic + "-" + partition + "@" + offset;
  }

  byte[] toBytes() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream(64 + (value == null ? 0 : value.length));
    try (DataOutputStream out = new DataOutputStream(buf)) {
      out.writeByte(FORMAT);
      out.writeUTF(topic);
      out.writeInt(partition);
      out.writeLong(offset);
      out.writeLong(timestamp);
      writeBytes(out, key);
      writeBytes(out, value);
      out.writeInt(headers.length);
      for (Header h : headers) {
        out.writeUTF(h.key());
        writeBytes(out, h.value());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array stream does not fail
    }
    return buf.toByteArray();
  }

  static RawRecord fromBytes(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      byte format = in.readByte();
      if (format != FORMAT) {
        throw new IllegalStateException("buffered record of unknown format " + format);
      }
      String topic = in.readUTF();
      int partition = in.readInt();
      long offset = in.readLong();
      long timestamp = in.readLong();
      byte[] key = readBytes(in);
      byte[] value = readBytes(in);
      Header[] headers = new Header[in.readInt()];
      for (int i = 0; i < headers.length; i++) {
        headers[i] = new RecordHeader(in.readUTF(), readBytes(in));
      }
      return new RawRecord(key, value, headers, topic, partition, offset, timestamp);
    } catch (IOException e) {
      throw new IllegalStateException("corrupt buffered record (" + bytes.length + " bytes)", e);
    }
  }

  private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
    out.writeInt(b == null ? -1 : b.length);
    if (b != null) {
      out.write(b);
    }
  }

  private static byte[] readBytes(DataInputStream in) throws IOException {
    int n = in.readInt();
    return n < 0 ? null : in.readNBytes(n);
  }
}
