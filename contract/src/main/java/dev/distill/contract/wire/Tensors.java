package dev.distill.contract.wire;

import com.google.protobuf.ByteString;
import dev.distill.contract.proto.DType;
import dev.distill.contract.proto.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Locale;

/** Building, checking and reading {@link Tensor}s. All element data is little-endian. */
public final class Tensors {
  /** Upper bound on elements per tensor: far above any sample this system scores (16 Mi). */
  public static final long MAX_ELEMENTS = 1L << 24;

  private Tensors() {}

  public static Tensor uint8(byte[] data, int... shape) {
    return of(DType.UINT8, data, shape);
  }

  public static Tensor float32(float[] data, int... shape) {
    ByteBuffer buf = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    buf.asFloatBuffer().put(data);
    return of(DType.FLOAT32, buf.array(), shape);
  }

  public static Tensor int64(long[] data, int... shape) {
    ByteBuffer buf = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    buf.asLongBuffer().put(data);
    return of(DType.INT64, buf.array(), shape);
  }

  public static Tensor int32(int[] data, int... shape) {
    ByteBuffer buf = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    buf.asIntBuffer().put(data);
    return of(DType.INT32, buf.array(), shape);
  }

  /** Stores each value rounded to the nearest binary16. */
  public static Tensor float16(float[] data, int... shape) {
    ByteBuffer buf = ByteBuffer.allocate(data.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : data) {
      buf.putShort(Half.fromFloat(v));
    }
    return of(DType.FLOAT16, buf.array(), shape);
  }

  private static Tensor of(DType dtype, byte[] data, int[] shape) {
    return Tensor.newBuilder()
        .setDtype(dtype)
        .addAllShape(Arrays.stream(shape).boxed().toList())
        .setData(ByteString.copyFrom(data))
        .build();
  }

  public static int bytesPerElement(DType dtype) {
    return switch (dtype) {
      case UINT8 -> 1;
      case FLOAT16 -> 2;
      case FLOAT32, INT32 -> 4;
      case INT64 -> 8;
      default -> throw new IllegalArgumentException("no element size for " + dtype);
    };
  }

  /** Whether elements are floating point (read as floats) rather than integers. */
  public static boolean isFloatingPoint(DType dtype) {
    return dtype == DType.FLOAT32 || dtype == DType.FLOAT16;
  }

  /** The dtype's name as users write it: {@code uint8}, {@code int64}, {@code float16}, ... */
  public static String name(DType dtype) {
    return dtype.name().toLowerCase(Locale.ROOT);
  }

  /**
   * The dtype a user named, in any case: {@code uint8}, {@code int32}, {@code int64}, {@code
   * float16}, {@code float32} (or {@code float}).
   *
   * @throws IllegalArgumentException listing the accepted names
   */
  public static DType parseDType(String name) {
    String n = name == null ? "" : name.trim().toUpperCase(Locale.ROOT);
    if (n.equals("FLOAT")) {
      return DType.FLOAT32;
    }
    for (DType d : SUPPORTED) {
      if (d.name().equals(n)) {
        return d;
      }
    }
    throw new IllegalArgumentException("unsupported dtype '" + name + "' (uint8, int32, int64, float16 or float32)");
  }

  private static final DType[] SUPPORTED = {DType.UINT8, DType.INT32, DType.INT64, DType.FLOAT16, DType.FLOAT32};

  private static boolean supported(DType d) {
    for (DType s : SUPPORTED) {
      if (s == d) {
        return true;
      }
    }
    return false;
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
   * Checks dtype, shape and data length; floating-point values must also be finite, since a
   * NaN feature would poison every model downstream.
   *
   * @param type message type for the error, e.g. {@code distill.v1.Sample}
   * @param field path of the tensor inside the message, e.g. {@code features}
   */
  public static void validate(Tensor t, String type, String field) {
    if (!supported(t.getDtype())) {
      throw new MalformedMessageException(type, field + ".dtype", "unsupported dtype " + t.getDtypeValue()
          + " (UINT8=1, FLOAT32=2, INT32=3, INT64=4, FLOAT16=5)");
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
    if (isFloatingPoint(t.getDtype())) {
      float[] values = toFloats(t);
      for (int i = 0; i < values.length; i++) {
        if (!Float.isFinite(values[i])) {
          throw new MalformedMessageException(
              type, field + ".data", "element " + i + " is " + values[i] + " (must be finite)");
        }
      }
    }
  }

  /** The elements as floats, in their raw units (uint8 values stay 0..255, ids stay ids). */
  public static float[] toFloats(Tensor t) {
    int n = (int) elementCount(t);
    float[] out = new float[n];
    ByteBuffer b = t.getData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    switch (t.getDtype()) {
      case UINT8 -> {
        for (int i = 0; i < n; i++) {
          out[i] = b.get(i) & 0xff;
        }
      }
      case FLOAT32 -> b.asFloatBuffer().get(out);
      case FLOAT16 -> {
        for (int i = 0; i < n; i++) {
          out[i] = Half.toFloat(b.getShort(i * 2));
        }
      }
      case INT32 -> {
        for (int i = 0; i < n; i++) {
          out[i] = b.getInt(i * 4);
        }
      }
      case INT64 -> {
        for (int i = 0; i < n; i++) {
          out[i] = b.getLong(i * 8);
        }
      }
      default -> throw new IllegalArgumentException("no elements for dtype " + t.getDtype());
    }
    return out;
  }

  /**
   * The elements as whole numbers (token ids, masks). Floating-point elements are refused: a
   * fractional id has no meaning.
   */
  public static long[] toLongs(Tensor t) {
    int n = (int) elementCount(t);
    long[] out = new long[n];
    ByteBuffer b = t.getData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    switch (t.getDtype()) {
      case UINT8 -> {
        for (int i = 0; i < n; i++) {
          out[i] = b.get(i) & 0xff;
        }
      }
      case INT32 -> {
        for (int i = 0; i < n; i++) {
          out[i] = b.getInt(i * 4);
        }
      }
      case INT64 -> b.asLongBuffer().get(out);
      default -> throw new IllegalArgumentException(
          "a " + name(t.getDtype()) + " tensor holds no whole numbers (uint8, int32 or int64 do)");
    }
    return out;
  }

  /** The shape as ints, e.g. {@code [28, 28]}. */
  public static int[] shape(Tensor t) {
    return t.getShapeList().stream().mapToInt(Integer::intValue).toArray();
  }

  /** What a user reads in an error message: {@code uint8 [28, 28]}. */
  public static String describe(Tensor t) {
    return name(t.getDtype()) + " " + t.getShapeList();
  }
}
