package dev.distill.contract.onnx;

import dev.distill.contract.model.TensorSpec;
import dev.distill.contract.proto.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Builds an ONNX inference graph (opset {@value OnnxModel#OPSET}) of the layers this project
 * trains: input preprocessing (cast, per-channel arithmetic), dense layers (Gemm), convolutions,
 * batch normalisation, pooling, reshapes, ReLU and an embedding bag (gather, masked sum). Each
 * method takes the name of its input value and returns the name of its output, so a network
 * reads as a chain of calls.
 *
 * <p>Weights are copied in as they are given: dense weights in {@code [out, in]} order (what
 * DJL's Linear holds, hence {@code Gemm transB=1}), convolution weights as {@code [outC, inC,
 * kH, kW]}.
 */
public final class OnnxGraph {
  /** ONNX TensorProto.DataType codes. */
  static final int FLOAT = 1;
  static final int UINT8 = 2;
  static final int INT32 = 6;
  static final int INT64 = 7;
  static final int BOOL = 9;
  static final int FLOAT16 = 10;

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
    inputs.add(valueInfo(inputName, FLOAT, dims(dims)));
    return inputName;
  }

  /**
   * Declares an input of the spec's element type and shape; symbolic dimensions keep their
   * names ({@code N}, {@code seq}).
   *
   * @return the input's name
   */
  public String input(TensorSpec spec) {
    inputs.add(valueInfo(spec.name(), elementType(spec.dtype()), spec.shape()));
    return spec.name();
  }

  /** Declares {@code value} as a graph output named {@code outputName}. */
  public void output(String value, String outputName, long... dims) {
    String out = value;
    if (!value.equals(outputName)) {
      out = node("Identity", List.of(value), outputName, List.of());
    }
    outputs.add(valueInfo(out, FLOAT, dims(dims)));
  }

  /** Elementwise multiplication by a constant, e.g. pixel scaling by 1/255. */
  public String scale(String x, float factor) {
    return mul(x, new float[] {factor});
  }

  /** Converts any number to float32 (uint8 pixels, int64 ids or masks). */
  public String castToFloat(String x) {
    return node("Cast", List.of(x), fresh("float"), List.of(attrInt("to", FLOAT)));
  }

  /** Converts int32 ids to int64, what Gather and Clip take here. */
  public String castToInt64(String x) {
    return node("Cast", List.of(x), fresh("int64"), List.of(attrInt("to", INT64)));
  }

  /**
   * {@code x * c} for a constant {@code c} of {@code shape} (none: a scalar), broadcast the
   * numpy way: {@code [C, 1, 1]} is one value per channel of {@code [N, C, H, W]}.
   */
  public String mul(String x, float[] c, long... shape) {
    return binary("Mul", x, constant("c", c, shape));
  }

  /** {@code x - c}, broadcast as in {@link #mul(String, float[], long...)}. */
  public String sub(String x, float[] c, long... shape) {
    return binary("Sub", x, constant("c", c, shape));
  }

  /** {@code x / c}, broadcast as in {@link #mul(String, float[], long...)}. */
  public String div(String x, float[] c, long... shape) {
    return binary("Div", x, constant("c", c, shape));
  }

  /** {@code max(x, c)} elementwise, e.g. a count kept at least 1. */
  public String max(String x, float c) {
    return binary("Max", x, constant("c", new float[] {c}, new long[] {}));
  }

  /** Elementwise product of two values (broadcast). */
  public String mul(String a, String b) {
    return binary("Mul", a, b);
  }

  /** Elementwise quotient of two values (broadcast). */
  public String div(String a, String b) {
    return binary("Div", a, b);
  }

  /** Clamps an int64 value into {@code [min, max]}. */
  public String clip(String x, long min, long max) {
    String lo = int64Constant("min", new long[] {min}, new long[] {});
    String hi = int64Constant("max", new long[] {max}, new long[] {});
    return node("Clip", List.of(x, lo, hi), fresh("clip"), List.of());
  }

  /** {@code x > c} for an int64 value: a bool tensor. */
  public String greater(String x, long c) {
    return binary("Greater", x, int64Constant("c", new long[] {c}, new long[] {}));
  }

  /**
   * Inference-mode batch normalisation over axis 1 of {@code [N, C, ...]}:
   * {@code gamma (x - mean) / sqrt(var + epsilon) + beta} with the running statistics.
   */
  public String batchNorm(String x, float[] gamma, float[] beta, float[] mean, float[] var, float epsilon) {
    int c = gamma.length;
    check(beta.length == c && mean.length == c && var.length == c,
        "batch norm needs gamma, beta, mean and var of one size each, got " + c + ", " + beta.length + ", "
            + mean.length + ", " + var.length);
    long[] shape = {c};
    List<String> in = List.of(x, constant("gamma", gamma, shape), constant("beta", beta, shape),
        constant("mean", mean, shape), constant("var", var, shape));
    return node("BatchNormalization", in, fresh("bn"), List.of(attrFloat("epsilon", epsilon)));
  }

  /**
   * Looks up rows of a {@code [rows, cols]} table (row-major) by int64 ids: ids {@code [N, L]}
   * give {@code [N, L, cols]}. Every id must be in {@code 0..rows-1}: {@link #clip} first.
   */
  public String gather(float[] table, int rows, int cols, String ids) {
    check(table.length == (long) rows * cols, "table has " + table.length + " values, expected " + rows + "x" + cols);
    String t = constant("table", table, new long[] {rows, cols});
    return node("Gather", List.of(t, ids), fresh("gather"), List.of(attrInt("axis", 0)));
  }

  /** Inserts dimensions of size 1 at {@code axes} (opset 13+: axes are an input). */
  public String unsqueeze(String x, long... axes) {
    return node("Unsqueeze", List.of(x, int64Constant("axes", axes)), fresh("unsqueeze"), List.of());
  }

  /** Sums over {@code axes} (opset 13+: axes are an input), keeping them as size 1 or not. */
  public String reduceSum(String x, boolean keepDims, long... axes) {
    return node("ReduceSum", List.of(x, int64Constant("axes", axes)), fresh("sum"),
        List.of(attrInt("keepdims", keepDims ? 1 : 0)));
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

  private String binary(String op, String a, String b) {
    return node(op, List.of(a, b), fresh(op.toLowerCase(Locale.ROOT)), List.of());
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
    long count = 1;
    for (long d : dims) {
      count *= d;
    }
    check(count == values.length, prefix + " has " + values.length + " values, its shape holds " + count);
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
    return int64Constant(prefix, values, new long[] {values.length});
  }

  private String int64Constant(String prefix, long[] values, long[] dims) {
    String n = fresh(prefix);
    ByteBuffer raw = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    raw.asLongBuffer().put(values);
    Proto t = new Proto();
    if (dims.length > 0) {
      t.packedInt64(1, dims);
    }
    t.int32(2, INT64).string(8, n).bytes(9, raw.array());
    initializers.add(t);
    return n;
  }

  /** ONNX's element type code of a wire dtype. */
  static int elementType(DType dtype) {
    return switch (dtype) {
      case UINT8 -> UINT8;
      case INT32 -> INT32;
      case INT64 -> INT64;
      case FLOAT16 -> FLOAT16;
      case FLOAT32 -> FLOAT;
      default -> throw new IllegalArgumentException("no ONNX element type for " + dtype);
    };
  }

  /** -1 is the symbolic batch dimension {@code N}. */
  private static List<TensorSpec.Dim> dims(long[] dims) {
    List<TensorSpec.Dim> out = new ArrayList<>(dims.length);
    for (long d : dims) {
      out.add(d < 0 ? TensorSpec.Dim.symbolic("N") : TensorSpec.Dim.fixed(d));
    }
    return out;
  }

  private static Proto valueInfo(String name, int elementType, List<TensorSpec.Dim> dims) {
    Proto shape = new Proto();
    for (TensorSpec.Dim d : dims) {
      Proto dim = new Proto();
      if (d.isFixed()) {
        dim.int64(1, d.size());
      } else {
        dim.string(2, d.symbol());
      }
      shape.message(1, dim);
    }
    Proto tensorType = new Proto().int32(1, elementType).message(2, shape);
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
