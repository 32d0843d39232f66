package dev.distill.scorer.topology;

import dev.distill.contract.proto.DType;
import dev.distill.contract.proto.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * The teacher's input for one batch, {@code rows x D} floats in raw units, assembled row by row
 * in plain arrays (which the JIT turns into tight loops) and handed over as one direct buffer,
 * which ONNX Runtime reads in place. Reused from batch to batch by one processor.
 */
final class BatchInput {
  private float[] rows = new float[0];
  private byte[] pixels = new byte[0];
  private FloatBuffer direct = FloatBuffer.allocate(0);
  private int d;
  private int count;

  /** Starts a batch of up to {@code maxRows} samples of {@code d} features. */
  void reset(int d, int maxRows) {
    this.d = d;
    this.count = 0;
    if (rows.length < d * maxRows) {
      rows = new float[d * maxRows];
      direct = ByteBuffer.allocateDirect(rows.length * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }
    if (pixels.length < d) {
      pixels = new byte[d];
    }
  }

  /** Appends one sample's features; the caller has checked that they have {@code d} elements. */
  void add(Tensor t) {
    int offset = count * d;
    if (t.getDtype() == DType.UINT8) {
      t.getData().copyTo(pixels, 0);
      for (int i = 0; i < d; i++) {
        rows[offset + i] = pixels[i] & 0xff;
      }
    } else {
      t.getData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(rows, offset, d);
    }
    count++;
  }

  int rows() {
    return count;
  }

  /** The batch so far, from position 0. */
  FloatBuffer buffer() {
    direct.put(0, rows, 0, count * d);
    return direct;
  }
}
