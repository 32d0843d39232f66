package dev.distill.contract.ota;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where an ONNX file keeps its initializers' raw data, and its metadata, read from the protobuf
 * framing without a full parse: a delta only rewrites those byte ranges, so encoding and decoding
 * must locate them the same way in byte strings that differ only inside them.
 *
 * @param tensors initializers with raw data, in file order
 * @param metadata {@code metadata_props}, which a delta never rewrites
 */
record OnnxLayout(List<Span> tensors, Map<String, String> metadata) {
  static final int FLOAT = 1;
  static final OnnxLayout NONE = new OnnxLayout(List.of(), Map.of());

  /** One initializer's raw data: {@code length} bytes at {@code offset}, of ONNX element type {@code dataType}. */
  record Span(String name, int dataType, int offset, int length) {}

  /** The layout; {@link #NONE} when the bytes are not a readable ONNX model. */
  static OnnxLayout of(byte[] model) {
    List<Span> out = new ArrayList<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    try {
      Reader top = new Reader(model, 0, model.length);
      while (top.more()) {
        int tag = top.varint32();
        if (tag == ((7 << 3) | 2)) { // ModelProto.graph
          int len = top.length();
          Reader graph = new Reader(model, top.pos, top.pos + len);
          top.pos += len;
          while (graph.more()) {
            int gtag = graph.varint32();
            if (gtag == ((5 << 3) | 2)) { // GraphProto.initializer
              int tlen = graph.length();
              Span s = tensor(model, graph.pos, graph.pos + tlen);
              if (s != null) {
                out.add(s);
              }
              graph.pos += tlen;
            } else {
              graph.skip(gtag);
            }
          }
        } else if (tag == ((14 << 3) | 2)) { // ModelProto.metadata_props
          int len = top.length();
          entry(model, top.pos, top.pos + len, metadata);
          top.pos += len;
        } else {
          top.skip(tag);
        }
      }
      return new OnnxLayout(out, metadata);
    } catch (IndexOutOfBoundsException | IllegalStateException e) {
      return NONE;
    }
  }

  private static Span tensor(byte[] b, int from, int to) {
    Reader r = new Reader(b, from, to);
    String name = null;
    int dataType = 0;
    int rawOffset = -1;
    int rawLength = 0;
    while (r.more()) {
      int tag = r.varint32();
      if (tag == ((2 << 3))) { // TensorProto.data_type
        dataType = r.varint32();
      } else if (tag == ((8 << 3) | 2)) { // TensorProto.name
        int len = r.length();
        name = new String(b, r.pos, len, StandardCharsets.UTF_8);
        r.pos += len;
      } else if (tag == ((9 << 3) | 2)) { // TensorProto.raw_data
        rawLength = r.length();
        rawOffset = r.pos;
        r.pos += rawLength;
      } else {
        r.skip(tag);
      }
    }
    return name == null || rawOffset < 0 ? null : new Span(name, dataType, rawOffset, rawLength);
  }

  /** StringStringEntryProto: key = 1, value = 2. */
  private static void entry(byte[] b, int from, int to, Map<String, String> into) {
    Reader r = new Reader(b, from, to);
    String key = "";
    String value = "";
    while (r.more()) {
      int tag = r.varint32();
      if (tag == ((1 << 3) | 2) || tag == ((2 << 3) | 2)) {
        int len = r.length();
        String s = new String(b, r.pos, len, StandardCharsets.UTF_8);
        r.pos += len;
        if (tag == ((1 << 3) | 2)) {
          key = s;
        } else {
          value = s;
        }
      } else {
        r.skip(tag);
      }
    }
    into.put(key, value);
  }

  private static final class Reader {
    final byte[] b;
    int pos;
    final int end;

    Reader(byte[] b, int pos, int end) {
      if (end > b.length || pos > end) {
        throw new IllegalStateException("truncated message");
      }
      this.b = b;
      this.pos = pos;
      this.end = end;
    }

    boolean more() {
      return pos < end;
    }

    long varint() {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= end) {
          throw new IllegalStateException("truncated varint");
        }
        byte x = b[pos++];
        v |= (long) (x & 0x7f) << shift;
        if (x >= 0) {
          return v;
        }
      }
      throw new IllegalStateException("varint too long");
    }

    int varint32() {
      return (int) varint();
    }

    int length() {
      long len = varint();
      if (len < 0 || len > end - pos) {
        throw new IllegalStateException("length beyond message");
      }
      return (int) len;
    }

    void skip(int tag) {
      switch (tag & 7) {
        case 0 -> varint();
        case 1 -> pos += 8;
        case 2 -> {
          int n = length(); // read first: `pos += length()` would add to the pos before the length
          pos += n;
        }
        case 5 -> pos += 4;
        default -> throw new IllegalStateException("unsupported wire type " + (tag & 7));
      }
      if (pos > end) {
        throw new IllegalStateException("field beyond message");
      }
    }
  }
}
