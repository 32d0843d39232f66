package dev.distill.trainer.stream;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a trainer needs to continue exactly: the weights and the optimizer's step count and
 * moments, by parameter name. Binary, big-endian: magic {@code DSRS}, format 1, optimizer name,
 * step, then per parameter its name, weights and moments as length-prefixed float arrays.
 */
public record ResumeState(String optimizer, long step, Map<String, float[]> weights,
    Map<String, List<float[]>> moments) {
  private static final int MAGIC = 0x44535253;
  private static final int FORMAT = 1;

  /** The weights alone: what inference (the promotion gate's published reference) needs, a third of the whole. */
  public ResumeState weightsOnly() {
    return new ResumeState(optimizer, step, weights, Map.of());
  }

  public byte[] toBytes() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(MAGIC);
      out.writeInt(FORMAT);
      out.writeUTF(optimizer);
      out.writeLong(step);
      out.writeInt(weights.size());
      for (var e : weights.entrySet()) {
        out.writeUTF(e.getKey());
        write(out, e.getValue());
        List<float[]> m = moments.getOrDefault(e.getKey(), List.of());
        out.writeInt(m.size());
        for (float[] a : m) {
          write(out, a);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  public static ResumeState fromBytes(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      if (in.readInt() != MAGIC || in.readInt() != FORMAT) {
        throw new IllegalArgumentException("not a distill resume state (format " + FORMAT + ")");
      }
      String optimizer = in.readUTF();
      long step = in.readLong();
      int n = in.readInt();
      Map<String, float[]> weights = new LinkedHashMap<>();
      Map<String, List<float[]>> moments = new LinkedHashMap<>();
      for (int i = 0; i < n; i++) {
        String name = in.readUTF();
        weights.put(name, read(in));
        int k = in.readInt();
        List<float[]> m = new ArrayList<>(k);
        for (int j = 0; j < k; j++) {
          m.add(read(in));
        }
        if (k > 0) {
          moments.put(name, m);
        }
      }
      return new ResumeState(optimizer, step, weights, moments);
    } catch (IOException e) {
      throw new IllegalArgumentException("truncated resume state: " + e.getMessage(), e);
    }
  }

  private static void write(DataOutputStream out, float[] a) throws IOException {
    out.writeInt(a.length);
    byte[] buf = new byte[a.length * 4];
    java.nio.ByteBuffer.wrap(buf).asFloatBuffer().put(a);
    out.write(buf);
  }

  private static float[] read(DataInputStream in) throws IOException {
    float[] a = new float[in.readInt()];
    byte[] buf = new byte[a.length * 4];
    in.readFully(buf);
    java.nio.ByteBuffer.wrap(buf).asFloatBuffer().get(a);
    return a;
  }
}
