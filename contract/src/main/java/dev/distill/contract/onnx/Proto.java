package dev.distill.contract.onnx;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A tiny protobuf message writer: ONNX is a protobuf schema, and writing its few messages by
 * field number spares the project a generated copy of onnx.proto (and its size).
 */
final class Proto {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final CodedOutputStream out = CodedOutputStream.newInstance(bytes);

  Proto int64(int field, long v) {
    return run(() -> out.writeInt64(field, v));
  }

  Proto int32(int field, int v) {
    return run(() -> out.writeInt32(field, v));
  }

  Proto float32(int field, float v) {
    return run(() -> out.writeFloat(field, v));
  }

  Proto string(int field, String v) {
    return run(() -> out.writeByteArray(field, v.getBytes(StandardCharsets.UTF_8)));
  }

  Proto bytes(int field, byte[] v) {
    return run(() -> out.writeByteArray(field, v));
  }

  Proto message(int field, Proto m) {
    return bytes(field, m.toByteArray());
  }

  /** Packed repeated int64 (proto3 default for repeated scalars). */
  Proto packedInt64(int field, long[] values) {
    return run(() -> {
      int size = 0;
      for (long v : values) {
        size += CodedOutputStream.computeInt64SizeNoTag(v);
      }
      out.writeTag(field, 2);
      out.writeUInt32NoTag(size);
      for (long v : values) {
        out.writeInt64NoTag(v);
      }
    });
  }

  byte[] toByteArray() {
    run(out::flush);
    return bytes.toByteArray();
  }

  private interface IoAction {
    void run() throws IOException;
  }

  private Proto run(IoAction a) {
    try {
      a.run();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // cannot happen on a byte array
    }
    return this;
  }
}
