package dev.distill.contract.ota;

import com.github.luben.zstd.Zstd;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A lossless delta between two versions of an ONNX model. Successive students share their
 * architecture, so each initializer of the target whose name and byte length match one in the
 * base travels transformed, and everything else (graph, metadata, unmatched tensors) as it is,
 * all in one zstd frame. A tensor is transformed one of two ways:
 * <ul>
 *   <li><b>XOR</b>: {@code target XOR base}, split into four byte planes (all first bytes of each
 *       float, then all second bytes, ...): after a small update a float's sign, exponent and top
 *       mantissa bits rarely change, so the high planes are mostly zeros.
 *   <li><b>steps</b>: when the target is a {@link QuantizedUpdate} of exactly this base (its
 *       metadata names the base's sha256 and the tensor's step), one signed byte {@code q} per
 *       weight, then zeros to the tensor's length; the weight is {@code QuantizedUpdate.rebuild(
 *       base, q, step)}. The encoder uses it only when every weight rebuilds bit for bit.
 * </ul>
 *
 * <p>Layout: {@code "DSDELTA2"}, base sha256 (32 bytes), target sha256 (32 bytes), target length
 * (8 bytes, big-endian), one zstd frame of: the number of the target's tensors (4 bytes,
 * big-endian), one mode byte per tensor in file order (0 as it is, 1 XOR, 2 steps), the
 * transformed target. {@code "DSDELTA1"} deltas (XOR for every matched tensor, no mode bytes)
 * still decode. Decoding rebuilds the target byte for byte and checks its sha256, so a wrong base
 * or a corrupt delta is detected, never installed.
 *
 * <p>A device several versions behind may get a chain ({@link #encode(List)}): {@code "DSCHAIN1"},
 * the same base sha256, target sha256 and target length, the number of deltas (4 bytes), then each
 * delta (of either format above) after its length (4 bytes), the first from the base and each
 * next from the version the one before gives.
 */
public final class DeltaCodec {
  public static final String MEDIA_TYPE = "application/vnd.distill.delta";
  private static final byte[] MAGIC_V1 = "DSDELTA1".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] MAGIC = "DSDELTA2".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] MAGIC_CHAIN = "DSCHAIN1".getBytes(StandardCharsets.US_ASCII);
  /** A chain spans at most this many versions: the publisher's lineage depth is far below it. */
  public static final int MAX_HOPS = 16;
  private static final int HEADER = MAGIC.length + 32 + 32 + 8;
  /** Decoding refuses to allocate more than this: a delta cannot make a device run out of memory. */
  public static final long MAX_TARGET_BYTES = 1L << 30;
  private static final int LEVEL = 6;
  private static final byte AS_IS = 0;
  private static final byte XOR = 1;
  private static final byte STEPS = 2;

  private DeltaCodec() {}

  /** Thrown when a delta cannot be decoded into the target it names. */
  public static final class DeltaException extends Exception {
    private static final long serialVersionUID = 1L;

    public DeltaException(String message) {
      super(message);
    }
  }

  public static byte[] encode(byte[] base, byte[] target) {
    byte[] baseSha = sha256(base);
    OnnxLayout layout = OnnxLayout.of(target);
    Map<String, OnnxLayout.Span> baseTensors = byName(OnnxLayout.of(base).tensors());
    Map<String, Float> steps = Manifest.hex(baseSha).equals(layout.metadata().get(QuantizedUpdate.BASE_KEY))
        ? QuantizedUpdate.steps(layout.metadata()) : Map.of();
    List<OnnxLayout.Span> tensors = layout.tensors();
    byte[] modes = new byte[tensors.size()];
    byte[] transformed = target.clone();
    for (int i = 0; i < tensors.size(); i++) {
      OnnxLayout.Span t = tensors.get(i);
      OnnxLayout.Span b = baseTensors.get(t.name());
      if (b == null || b.length() != t.length() || t.length() % 4 != 0) {
        continue;
      }
      Float step = t.dataType() == OnnxLayout.FLOAT ? steps.get(t.name()) : null;
      if (step != null && toSteps(transformed, t, base, b, step)) {
        modes[i] = STEPS;
      } else {
        xor(transformed, t, base, b, true);
        modes[i] = XOR;
      }
    }
    ByteBuffer body = ByteBuffer.allocate(4 + modes.length + transformed.length);
    body.putInt(modes.length).put(modes).put(transformed);
    byte[] frame = Zstd.compress(body.array(), LEVEL);
    ByteBuffer out = ByteBuffer.allocate(HEADER + frame.length);
    out.put(MAGIC).put(baseSha).put(sha256(target)).putLong(target.length).put(frame);
    return out.array();
  }

  /**
   * The smallest update along a lineage: from {@code path.get(0)} (the base) to its last element
   * (the target), either one delta or, through the versions between, a chain of the deltas
   * between consecutive ones. A quantized update travels as step counts only from the version it
   * was made from, so to a device two versions behind a chain of two step-count deltas is a tenth
   * of one XOR delta.
   *
   * @param path the base, the versions between in order, the target
   */
  public static byte[] encode(List<byte[]> path) {
    if (path.size() < 2 || path.size() > MAX_HOPS + 1) {
      throw new IllegalArgumentException("a path of 2 to " + (MAX_HOPS + 1) + " versions, not " + path.size());
    }
    byte[] base = path.get(0);
    byte[] target = path.get(path.size() - 1);
    byte[] direct = encode(base, target);
    // a device decodes a version between only up to twice the target's length (decodeChain)
    if (path.size() == 2 || path.stream().anyMatch(v -> v.length > 2L * target.length)) {
      return direct;
    }
    List<byte[]> hops = new java.util.ArrayList<>();
    int bytes = HEADER + 4;
    for (int i = 1; i < path.size(); i++) {
      byte[] hop = encode(path.get(i - 1), path.get(i));
      hops.add(hop);
      bytes += 4 + hop.length;
    }
    if (bytes >= direct.length) {
      return direct;
    }
    ByteBuffer out = ByteBuffer.allocate(bytes);
    out.put(MAGIC_CHAIN).put(sha256(base)).put(sha256(target)).putLong(target.length).putInt(hops.size());
    hops.forEach(h -> out.putInt(h.length).put(h));
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
    if (delta.length >= HEADER && Arrays.equals(Arrays.copyOf(delta, MAGIC_CHAIN.length), MAGIC_CHAIN)) {
      return decodeChain(base, delta, maxTargetBytes);
    }
    boolean v1 = checkHeader(delta);
    ByteBuffer in = ByteBuffer.wrap(delta);
    Header h = Header.read(in, base, maxTargetBytes);
    long length = h.length();
    byte[] targetSha = h.targetSha();
    // a v2 body is the target plus its mode bytes: one per tensor, and a tensor takes more than 4 bytes
    long bodyLimit = v1 ? length : 4 + length + length / 4;
    byte[] body;
    try {
      body = Zstd.decompress(Arrays.copyOfRange(delta, HEADER, delta.length), (int) Math.min(bodyLimit, Integer.MAX_VALUE - 8));
    } catch (RuntimeException e) {
      throw new DeltaException("corrupt delta: " + e.getMessage());
    }
    byte[] target = v1 ? decodeV1(base, body, length) : decodeV2(base, body, length);
    if (!Arrays.equals(sha256(target), targetSha)) {
      throw new DeltaException("delta does not reproduce the target's sha256");
    }
    return target;
  }

  /**
   * Decodes each hop from the version the one before gave. A version between may be a little
   * larger than the target; it is allowed twice the target's length, still bounded.
   */
  private static byte[] decodeChain(byte[] base, byte[] delta, long maxTargetBytes) throws DeltaException {
    ByteBuffer in = ByteBuffer.wrap(delta);
    Header h = Header.read(in, base, maxTargetBytes);
    long length = h.length();
    byte[] targetSha = h.targetSha();
    int hops = in.remaining() >= 4 ? in.getInt() : -1;
    if (hops < 2 || hops > MAX_HOPS) {
      throw new DeltaException("a chain of " + hops + " deltas: 2 to " + MAX_HOPS + " expected");
    }
    byte[] current = base;
    for (int i = 0; i < hops; i++) {
      int n = in.remaining() >= 4 ? in.getInt() : -1;
      if (n < HEADER || n > in.remaining()) {
        throw new DeltaException("delta " + (i + 1) + " of the chain is cut short");
      }
      byte[] hop = new byte[n];
      in.get(hop);
      if (Arrays.equals(Arrays.copyOf(hop, MAGIC_CHAIN.length), MAGIC_CHAIN)) {
        throw new DeltaException("a chain inside a chain");
      }
      long limit = i == hops - 1 ? maxTargetBytes : Math.min(2 * maxTargetBytes, MAX_TARGET_BYTES);
      current = decode(current, hop, limit);
    }
    if (in.hasRemaining()) {
      throw new DeltaException(in.remaining() + " bytes after the chain's last delta");
    }
    if (!Arrays.equals(sha256(current), targetSha)) {
      throw new DeltaException("delta does not reproduce the target's sha256");
    }
    return current;
  }

  private static byte[] decodeV1(byte[] base, byte[] transformed, long length) throws DeltaException {
    if (transformed.length != length) {
      throw new DeltaException("delta decodes to " + transformed.length + " bytes, header says " + length);
    }
    Map<String, OnnxLayout.Span> baseTensors = byName(OnnxLayout.of(base).tensors());
    for (OnnxLayout.Span t : OnnxLayout.of(transformed).tensors()) {
      OnnxLayout.Span b = baseTensors.get(t.name());
      if (b != null && b.length() == t.length() && t.length() % 4 == 0) {
        xor(transformed, t, base, b, false);
      }
    }
    return transformed;
  }

  private static byte[] decodeV2(byte[] base, byte[] body, long length) throws DeltaException {
    ByteBuffer in = ByteBuffer.wrap(body);
    int count = body.length >= 4 ? in.getInt() : -1;
    if (count < 0 || (long) 4 + count + length != body.length) {
      throw new DeltaException("delta decodes to " + body.length + " bytes, which is no body of a " + length
          + "-byte target");
    }
    byte[] modes = Arrays.copyOfRange(body, 4, 4 + count);
    byte[] target = Arrays.copyOfRange(body, 4 + count, body.length);
    OnnxLayout layout = OnnxLayout.of(target);
    if (layout.tensors().size() != count) {
      throw new DeltaException("delta has modes for " + count + " tensors, its target has " + layout.tensors().size());
    }
    Map<String, OnnxLayout.Span> baseTensors = byName(OnnxLayout.of(base).tensors());
    Map<String, Float> steps = QuantizedUpdate.steps(layout.metadata());
    for (int i = 0; i < count; i++) {
      if (modes[i] == AS_IS) {
        continue;
      }
      OnnxLayout.Span t = layout.tensors().get(i);
      OnnxLayout.Span b = baseTensors.get(t.name());
      if (b == null || b.length() != t.length() || t.length() % 4 != 0) {
        throw new DeltaException("delta transforms tensor '" + t.name() + "', which the base has not at its length");
      }
      if (modes[i] == XOR) {
        xor(target, t, base, b, false);
      } else if (modes[i] == STEPS && steps.containsKey(t.name()) && t.dataType() == OnnxLayout.FLOAT) {
        fromSteps(target, t, base, b, steps.get(t.name()));
      } else {
        throw new DeltaException("delta has mode " + modes[i] + " for tensor '" + t.name() + "', which it cannot have");
      }
    }
    return target;
  }

  /** What every layout starts with after its magic: the base's and the target's sha256, the target's length. */
  private record Header(byte[] targetSha, long length) {
    /** Reads it from {@code in} past the magic, refusing another base and a target above the expected length. */
    static Header read(ByteBuffer in, byte[] base, long maxTargetBytes) throws DeltaException {
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
      return new Header(targetSha, length);
    }
  }

  /** @return whether the v1 layout */
  private static boolean checkHeader(byte[] delta) throws DeltaException {
    if (delta.length >= HEADER) {
      byte[] magic = Arrays.copyOf(delta, MAGIC.length);
      if (Arrays.equals(magic, MAGIC) || Arrays.equals(magic, MAGIC_CHAIN)) {
        return false;
      }
      if (Arrays.equals(magic, MAGIC_V1)) {
        return true;
      }
    }
    throw new DeltaException("not a distill delta");
  }

  private static Map<String, OnnxLayout.Span> byName(List<OnnxLayout.Span> spans) {
    Map<String, OnnxLayout.Span> out = new HashMap<>();
    spans.forEach(s -> out.put(s.name(), s));
    return out;
  }

  /**
   * XORs, in {@code out}, tensor {@code t} with the base's tensor {@code b}; encoding also splits
   * it into byte planes (plane p holds byte p of every 4-byte word), decoding joins them again.
   */
  private static void xor(byte[] out, OnnxLayout.Span t, byte[] base, OnnxLayout.Span b, boolean encode) {
    int words = t.length() / 4;
    byte[] region = new byte[t.length()];
    if (encode) {
      for (int i = 0; i < t.length(); i++) {
        region[(i % 4) * words + i / 4] = (byte) (out[t.offset() + i] ^ base[b.offset() + i]);
      }
    } else {
      for (int i = 0; i < t.length(); i++) {
        region[i] = (byte) (out[t.offset() + (i % 4) * words + i / 4] ^ base[b.offset() + i]);
      }
    }
    System.arraycopy(region, 0, out, t.offset(), t.length());
  }

  /**
   * Replaces tensor {@code t} in {@code out} by one step count per weight (then zeros), if every
   * weight is the base's plus a whole number of steps within range.
   *
   * @return false, leaving {@code out} as it was, when one is not
   */
  private static boolean toSteps(byte[] out, OnnxLayout.Span t, byte[] base, OnnxLayout.Span b, float step) {
    ByteBuffer target = ByteBuffer.wrap(out, t.offset(), t.length()).slice().order(java.nio.ByteOrder.LITTLE_ENDIAN);
    ByteBuffer from = ByteBuffer.wrap(base, b.offset(), b.length()).slice().order(java.nio.ByteOrder.LITTLE_ENDIAN);
    int n = t.length() / 4;
    byte[] q = new byte[n];
    for (int j = 0; j < n; j++) {
      float w = target.getFloat(j * 4);
      float w0 = from.getFloat(j * 4);
      int k = QuantizedUpdate.quantize(w - w0, step);
      if (Float.floatToRawIntBits(QuantizedUpdate.rebuild(w0, k, step)) != Float.floatToRawIntBits(w)) {
        return false;
      }
      q[j] = (byte) k;
    }
    Arrays.fill(out, t.offset(), t.offset() + t.length(), (byte) 0);
    System.arraycopy(q, 0, out, t.offset(), n);
    return true;
  }

  private static void fromSteps(byte[] out, OnnxLayout.Span t, byte[] base, OnnxLayout.Span b, float step) {
    int n = t.length() / 4;
    byte[] q = Arrays.copyOfRange(out, t.offset(), t.offset() + n);
    ByteBuffer target = ByteBuffer.wrap(out, t.offset(), t.length()).slice().order(java.nio.ByteOrder.LITTLE_ENDIAN);
    ByteBuffer from = ByteBuffer.wrap(base, b.offset(), b.length()).slice().order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (int j = 0; j < n; j++) {
      target.putFloat(j * 4, QuantizedUpdate.rebuild(from.getFloat(j * 4), q[j], step));
    }
  }

  static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
