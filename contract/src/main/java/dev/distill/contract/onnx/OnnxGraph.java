package dev.distill.contract.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds an ONNX inference graph of the layers this project trains: dense layers (Gemm),
 * convolutions, pooling, reshapes and ReLU. Each method takes the name of its input value
 * and returns the name of its output, so a network reads as a chain of calls.
 *
 * <p>Weights are copied in as they are given: dense weights in {@code [out, in]} order (what
 * DJL's Linear holds, hence {@code Gemm transB=1}), convolution weights as {@code [outC, inC,
 * kH, kW]}.
 */
public final class OnnxGraph {
  /** ONNX TensorProto.DataType codes. */
  static final int FLOAT = 1;
  static final int INT64 = 7;

  private final String name;
  private final List<Proto> nodes = new ArrayList<>();
  private final List<Proto> initializers = new ArrayList<>();
  private final List<Proto> inputs = new ArrayList<>();
  private final List<Proto> outputs = new ArrayList<>();
  private int counter;

  public OnnxGraph(String name) {
    this.name = name;
  }

  /**
   * Declares a float input; a dimension of -1 is the symbolic batch dimension {@code N}.
   *
   * @return the input's name
   */
  public String input(String inputName, long... dims) {
    inputs.add(valueInfo(inputName, dims));
    return inputName;
  }

  /** Declares {@code value} as a graph output named {@code outputName}. */
  public void output(String value, String outputName, long... dims) {
    String out = value;
    if (!value.equals(outputName)) {
      out = node("Identity", List.of(value), outputName, List.of());
    }
    outputs.add(valueInfo(out, dims));
  }

  /** Elementwise multiplication by a constant, e.g. pixel scaling by 1/255. */
  public String scale(String x, float factor) {
    String c = constant("scale", new float[] {factor}, new long[] {});
    return node("Mul", List.of(x, c), fresh("scaled"), List.of());
  }

  /** {@code y = x W^T + b} with {@code W} as {@code [out, in]}, row-major. */
  public String dense(String x, float[] weight, float[] bias, int in, int out) {
    check(weight.length == (long) in * out, "dense weight has " + weight.length + " values, expected " + in + "x" + out);
    check(bias.length == out, "dense bias has " + bias.length + " values, expected " + out);
    String w = constant("W", weight, new long[] {out, in});
    String b = constant("b", bias, new long[] {out});
    return node("Gemm", List.of(x, w, b), fresh("dense"), List.of(
        attrFloat("alpha", 1f), attrFloat("beta", 1f), attrInt("transB", 1)));
  }

  public String relu(String x) {
    return node("Relu", List.of(x), fresh("relu"), List.of());
  }

  /** 2-D convolution, weight {@code [outC, inC, k, k]}, square kernel, same padding on all sides. */
  public String conv(String x, float[] weight, float[] bias, int inC, int outC, int kernel, int stride, int pad) {
    check(weight.length == (long) outC * inC * kernel * kernel,
        "conv weight has " + weight.length + " values, expected " + outC + "x" + inC + "x" + kernel + "x" + kernel);
    check(bias.length == outC, "conv bias has " + bias.length + " values, expected " + outC);
    String w = constant("W", weight, new long[] {outC, inC, kernel, kernel});
    String b = constant("b", bias, new long[] {outC});
    return node("Conv", List.of(x, w, b), fresh("conv"), List.of(
        attrInts("kernel_shape", kernel, kernel), attrInts("strides", stride, stride),
        attrInts("pads", pad, pad, pad, pad)));
  }

  public String maxPool(String x, int kernel, int stride) {
    return node("MaxPool", List.of(x), fresh("maxpool"), List.of(
        attrInts("kernel_shape", kernel, kernel), attrInts("strides", stride, stride)));
  }

  public String averagePool(String x, int kernel, int stride) {
    return node("AveragePool", List.of(x), fresh("avgpool"), List.of(
        attrInts("kernel_shape", kernel, kernel), attrInts("strides", stride, stride)));
  }

  /** Reshape; -1 infers one dimension, 0 copies the input's. */
  public String reshape(String x, long... shape) {
    String s = int64Constant("shape", shape);
    return node("Reshape", List.of(x, s), fresh("reshape"), List.of());
  }

  /** Flattens everything after the batch dimension. */
  public String flatten(String x) {
    return node("Flatten", List.of(x), fresh("flatten"), List.of(attrInt("axis", 1)));
  }

  /** Softmax over the last axis (class probabilities). */
  public String softmax(String x) {
    return node("Softmax", List.of(x), fresh("softmax"), List.of(attrInt("axis", -1)));
  }

  Proto toProto() {
    Proto g = new Proto();
    nodes.forEach(n -> g.message(1, n));
    g.string(2, name);
    initializers.forEach(t -> g.message(5, t));
    inputs.forEach(i -> g.message(11, i));
    outputs.forEach(o -> g.message(12, o));
    return g;
  }

  private String fresh(String prefix) {
    return prefix + "_" + counter++;
  }

  private String node(String op, List<String> in, String out, List<Proto> attributes) {
    Proto n = new Proto();
    in.forEach(i -> n.string(1, i));
    n.string(2, out);
    n.string(3, op + "_" + counter++);
    n.string(4, op);
    attributes.forEach(a -> n.message(5, a));
    nodes.add(n);
    return out;
  }

  private String constant(String prefix, float[] values, long[] dims) {
    String n = fresh(prefix);
    ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    raw.asFloatBuffer().put(values);
    Proto t = new Proto();
    if (dims.length > 0) {
      t.packedInt64(1, dims);
    }
    t.int32(2, FLOAT).string(8, n).bytes(9, raw.array());
    initializers.add(t);
    return n;
  }

  private String int64Constant(String prefix, long[] values) {
    String n = fresh(prefix);
    ByteBuffer raw = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    raw.asLongBuffer().put(values);
    Proto t = new Proto().packedInt64(1, new long[] {values.length}).int32(2, INT64).string(8, n).bytes(9, raw.array());
    initializers.add(t);
    return n;
  }

  private static Proto valueInfo(String name, long[] dims) {
    Proto shape = new Proto();
    for (long d : dims) {
      Proto dim = new Proto();
      if (d < 0) {
        dim.string(2, "N");
      } else {
        dim.int64(1, d);
      }
      shape.message(1, dim);
    }
    Proto tensorType = new Proto().int32(1, FLOAT).message(2, shape);
    Proto type = new Proto().message(1, tensorType);
    return new Proto().string(1, name).message(2, type);
  }

  // AttributeProto: name=1, f=2, i=3, ints=8, type=20 (FLOAT=1, INT=2, INTS=7)
  private static Proto attrFloat(String name, float v) {
    return new Proto().string(1, name).float32(2, v).int32(20, 1);
  }

  private static Proto attrInt(String name, long v) {
    return new Proto().string(1, name).int64(3, v).int32(20, 2);
  }

  private static Proto attrInts(String name, long... v) {
    return new Proto().string(1, name).packedInt64(8, v).int32(20, 7);
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
