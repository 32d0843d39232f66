package dev.distill.contract.onnx;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/** The values of an ONNX FLOAT initializer, read and written with ONNX's own protobuf classes. */
public final class OnnxTensors {
  private OnnxTensors() {}

  /** A FLOAT tensor's values, whether stored as little-endian raw_data or as float_data. */
  public static float[] floats(OnnxMl.TensorProto t) {
    if (!t.getRawData().isEmpty()) {
      FloatBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
      float[] out = new float[b.remaining()];
      b.get(out);
      return out;
    }
    float[] out = new float[t.getFloatDataCount()];
    for (int i = 0; i < out.length; i++) {
      out[i] = t.getFloatData(i);
    }
    return out;
  }

  /** {@code t} holding {@code values} instead, as little-endian raw_data. */
  public static OnnxMl.TensorProto withFloats(OnnxMl.TensorProto t, float[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return t.toBuilder().clearFloatData().setRawData(ByteString.copyFrom(b.array())).build();
  }
}
