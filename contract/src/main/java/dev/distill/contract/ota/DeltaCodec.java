package dev.distill.contract.ota;

import com.github.luben.zstd.Zstd;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A lossless delta between two versions of an ONNX model: successive students share their
 * architecture and differ by small weight updates, so a float's sign, exponent and top
 * mantissa bits rarely change. For each initializer of the target whose name and byte length
 * match one in the base, its raw data is replaced by {@code target XOR base}, split into four
 * byte planes (all first bytes of each float, then all second bytes, ...) so that the mostly
 * zero high bytes sit together; the whole file is then zstd-compressed. Everything else (graph,
 * metadata, unmatched tensors) travels as it is inside the same zstd frame.
 *
 * <p>Layout: {@code "DSDELTA1"}, base sha256 (32 bytes), target sha256 (32 bytes), target
 * length (8 bytes, big-endian), one zstd frame. Decoding rebuilds the target byte for byte and
 * checks its sha256, so a wrong base or a corrupt delta is detected, never installed.
 */
public final class DeltaCodec {
  public static final String MEDIA_TYPE = "application/vnd.distill.delta";
  private static final byte[] MAGIC = "DSDELTA1".getBytes(StandardCharsets.US_ASCII);
  private static final int HEADER = MAGIC.length + 32 + 32 + 8;
  /** Decoding refuses to allocate more than this: a delta cannot make a device run out of memory. */
  public static final long MAX_TARGET_BYTES = 1L << 30;
  private static final int LEVEL = 6;

  private DeltaCodec() {}

  /** Thrown when a delta cannot be decoded into the target it names. */
  public static final class DeltaException extends Exception {
    private static final long serialVersionUID = 1L;

    public DeltaException(String message) {
      super(message);
    }
  }

  public static byte[] encode(byte[] base, byte[] target) {
    byte[] transformed = target.clone();
    xorMatchingTensors(transformed, target, base, true);
    byte[] frame = Zstd.compress(transformed, LEVEL);
    ByteBuffer out = ByteBuffer.allocate(HEADER + frame.length);
    out.put(MAGIC).put(sha256(base)).put(sha256(target)).putLong(target.length).put(frame);
    return out.array();
  }

  /** The sha256 (hex) of the base a delta applies to, or throws when it is no delta. */
  public static String baseSha256(byte[] delta) throws DeltaException {
    checkHeader(delta);
    return Manifest.hex(Arrays.copyOfRange(delta, MAGIC.length, MAGIC.length + 32));
  }

  /**
   * @param maxTargetBytes the length the device expects (from the signed manifest); a delta
   *     naming a longer target is refused before anything is allocated
   */
  public static byte[] decode(byte[] base, byte[] delta, long maxTargetBytes) throws DeltaException {
    checkHeader(delta);
    ByteBuffer in = ByteBuffer.wrap(delta);
    in.position(MAGIC.length);
    byte[] baseSha = new byte[32];
    byte[] targetSha = new byte[32];
    in.get(baseSha).get(targetSha);
    long length = in.getLong();
    if (!Arrays.equals(baseSha, sha256(base))) {
      throw new DeltaException("delta was made from another base than the installed artifact");
    }
    if (length < 0 || length > Math.min(maxTargetBytes, MAX_TARGET_BYTES)) {
      throw new DeltaException("delta names a target of " + length + " bytes, at most " + maxTargetBytes + " expected");
    }
    byte[] transformed;
    try {
      transformed = Zstd.decompress(Arrays.copyOfRange(delta, HEADER, delta.length), (int) length);
    } catch (RuntimeException e) {
      throw new DeltaException("corrupt delta: " + e.getMessage());
    }
    if (transformed.length != length) {
      throw new DeltaException("delta decodes to " + transformed.length + " bytes, header says " + length);
    }
    xorMatchingTensors(transformed, transformed, base, false);
    if (!Arrays.equals(sha256(transformed), targetSha)) {
      throw new DeltaException("delta does not reproduce the target's sha256");
    }
    return transformed;
  }

  private static void checkHeader(byte[] delta) throws DeltaException {
    if (delta.length < HEADER || !Arrays.equals(Arrays.copyOf(delta, MAGIC.length), MAGIC)) {
      throw new DeltaException("not a distill delta");
    }
  }

  /**
   * XORs, in {@code out}, each tensor located in {@code layout} with the same-named tensor of
   * {@code base}. Encoding and decoding locate tensors in byte strings with the same framing
   * (only raw data bytes differ), so they match the same tensors.
   */
  private static void xorMatchingTensors(byte[] out, byte[] layout, byte[] base, boolean encode) {
    Map<String, Span> baseTensors = new HashMap<>();
    for (Span s : OnnxTensors.locate(base)) {
      baseTensors.put(s.name, s);
    }
    for (Span t : OnnxTensors.locate(layout)) {
      Span b = baseTensors.get(t.name);
      if (b == null || b.length != t.length || t.length % 4 != 0) {
        continue;
      }
      int words = t.length / 4;
      byte[] region = new byte[t.length];
      if (encode) {
        for (int i = 0; i < t.length; i++) {
          // plane p holds byte p of every 4-byte word
          region[(i % 4) * words + i / 4] = (byte) (out[t.offset + i] ^ base[b.offset + i]);
        }
      } else {
        for (int i = 0; i < t.length; i++) {
          region[i] = (byte) (out[t.offset + (i % 4) * words + i / 4] ^ base[b.offset + i]);
        }
      }
      System.arraycopy(region, 0, out, t.offset, t.length);
    }
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  record Span(String name, int offset, int length) {}

  /** Finds initializers' raw data in an ONNX file by its protobuf framing, without a full parse. */
  static final class OnnxTensors {
    private OnnxTensors() {}

    /** Tensors with raw data; an empty list when the bytes are not a readable ONNX model. */
    static List<Span> locate(byte[] model) {
      List<Span> out = new ArrayList<>();
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
          } else {
            top.skip(tag);
          }
        }
        return out;
      } catch (IndexOutOfBoundsException | IllegalStateException e) {
        return List.of();
      }
    }

    private static Span tensor(byte[] b, int from, int to) {
      Reader r = new Reader(b, from, to);
      String name = null;
      int rawOffset = -1;
      int rawLength = 0;
      while (r.more()) {
        int tag = r.varint32();
        if (tag == ((8 << 3) | 2)) { // TensorProto.name
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
      return name == null || rawOffset < 0 ? null : new Span(name, rawOffset, rawLength);
    }
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
