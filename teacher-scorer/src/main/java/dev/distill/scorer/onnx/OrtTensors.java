package dev.distill.scorer.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import dev.distill.contract.proto.DType;
import dev.distill.contract.wire.Tensors;
import dev.distill.scorer.teacher.TeacherBatch;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;

/** A stacked batch input as the ONNX Runtime tensor of the dtype the graph declares. */
final class OrtTensors {
  private OrtTensors() {}

  static OnnxTensor create(OrtEnvironment env, DType dtype, TeacherBatch.Input in) throws OrtException {
    long[] shape = in.shape();
    return switch (dtype) {
      case FLOAT32 -> OnnxTensor.createTensor(env, FloatBuffer.wrap(in.floats()), shape);
      case INT64 -> OnnxTensor.createTensor(env, LongBuffer.wrap(in.longs()), shape);
      case INT32 -> {
        long[] v = in.longs();
        int[] ints = new int[v.length];
        for (int i = 0; i < v.length; i++) {
          ints[i] = (int) v[i];
        }
        yield OnnxTensor.createTensor(env, IntBuffer.wrap(ints), shape);
      }
      case UINT8 -> {
        long[] v = in.longs();
        byte[] bytes = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
          bytes[i] = (byte) v[i];
        }
        yield OnnxTensor.createTensor(env, ByteBuffer.wrap(bytes), shape, ai.onnxruntime.OnnxJavaType.UINT8);
      }
      default -> throw new IllegalArgumentException("teacher inputs of " + Tensors.name(dtype) + " are not supported");
    };
  }
}
