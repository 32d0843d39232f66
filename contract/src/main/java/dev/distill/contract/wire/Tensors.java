package dev.distill.contract.wire;

import com.google.protobuf.ByteString;
import dev.distill.contract.proto.DType;
import dev.distill.contract.proto.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/** Building, checking and reading {@link Tensor}s. */
public final class Tensors {
  /** Upper bound on elements per tensor: far above any sample this system scores (16 Mi). */
  public static final long MAX_ELEMENTS = 1L << 24;

  private Tensors() {}

  public static Tensor uint8(byte[] data, int... shape) {
    return Tensor.newBuilder()
        .setDtype(DType.UINT8)
        .addAllShape(Arrays.stream(shape).boxed().toList())
        .setData(ByteString.copyFrom(data))
        .build();
  }

  public static Tensor float32(float[] data, int... shape) {
    ByteBuffer buf = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    buf.asFloatBuffer().put(data);
    return Tensor.newBuilder()
        .setDtype(DType.FLOAT32)
        .addAllShape(Arrays.stream(shape).boxed().toList())
        .setData(ByteString.copyFrom(buf.array()))
        .build();
  }

  public static int bytesPerElement(DType dtype) {
    return switch (dtype) {
      case UINT8 -> 1;
      case FLOAT32 -> 4;
      default -> throw new IllegalArgumentException("no element size for " + dtype);
    };
  }

  /** Product of the shape; -1 when a dimension is not positive or the product is absurd. */
  public static long elementCount(Tensor t) {
    long n = 1;
    for (int d : t.getShapeList()) {
      if (d <= 0) {
        return -1;
      }
      n *= d;
      if (n > MAX_ELEMENTS) {
        return -1;
      }
    }
    return n;
  }

  /**
   * Checks dtype, shape and data length; {@code float32} values must also be finite, since a
   * NaN feature would poison every model downstream.
   *
   * @param type message type for the error, e.g. {@code distill.v1.Sample}
   * @param field path of the tensor inside the message, e.g. {@code features}
   */
  public static void validate(Tensor t, String type, String field) {
    if (t.getDtype() != DType.UINT8 && t.getDtype() != DType.FLOAT32) {
      throw new MalformedMessageException(
          type, field + ".dtype", "unsupported dtype " + t.getDtypeValue() + " (UINT8=1, FLOAT32=2)");
    }
    if (t.getShapeCount() == 0) {
      throw new MalformedMessageException(type, field + ".shape", "is empty");
    }
    long n = elementCount(t);
    if (n < 0) {
      throw new MalformedMessageException(
          type,
          field + ".shape",
          "dimensions must be positive with at most " + MAX_ELEMENTS + " elements, got " + t.getShapeList());
    }
    long expected = n * bytesPerElement(t.getDtype());
    if (t.getData().size() != expected) {
      throw new MalformedMessageException(
          type,
          field + ".data",
          "shape " + t.getShapeList() + " of " + t.getDtype() + " needs " + expected
              + " bytes, got " + t.getData().size());
    }
    if (t.getDtype() == DType.FLOAT32) {
      ByteBuffer b = t.getData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < n; i++) {
        float v = b.getFloat(i * 4);
        if (!Float.isFinite(v)) {
          throw new MalformedMessageException(
              type, field + ".data", "element " + i + " is " + v + " (must be finite)");
        }
      }
    }
  }

  /** The elements as floats, in their raw units (uint8 values stay 0..255). */
  public static float[] toFloats(Tensor t) {
    int n = (int) elementCount(t);
    float[] out = new float[n];
    ByteBuffer b = t.getData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    if (t.getDtype() == DType.UINT8) {
      for (int i = 0; i < n; i++) {
        out[i] = b.get(i) & 0xff;
      }
    } else {
      b.asFloatBuffer().get(out);
    }
    return out;
  }
}
