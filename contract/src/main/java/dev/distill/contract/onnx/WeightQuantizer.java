package dev.distill.contract.onnx;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import dev.distill.contract.model.Variant;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Rewrites a float32 ONNX model into the {@link Variant#FP16} or {@link Variant#INT8} variant
 * by storing its large weights in fewer bits. Any float32 model will do, not only the ones
 * {@link OnnxGraph} writes: only initializers of the main graph are touched, never an operator.
 *
 * <p>The quantization is weight-only: each stored weight gets a node at the start of the graph
 * that turns it back into float32 under its original name, so every consumer is unchanged and
 * all arithmetic stays float32. That is what a device needs — the download (the OTA cost) halves
 * or quarters — and it keeps every operator and runtime that took the fp32 model working, where
 * full integer inference would need calibration data and operator support on each device.
 *
 * <ul>
 *   <li>FP16: a FLOAT initializer {@code w} of at least {@value #MIN_FP16} elements becomes
 *       FLOAT16 {@code w.fp16} (round to nearest even; finite values beyond the half range clamp
 *       to ±65504 rather than becoming infinities) and {@code Cast(to=FLOAT)} restores {@code w}.
 *   <li>INT8: a FLOAT initializer of rank 2 or more with at least {@value #MIN_INT8} elements
 *       becomes INT8 {@code w.q}, with one float scale per slice along axis 0 ({@code w.scale})
 *       and INT8 zero points of 0 ({@code w.zp}), restored by {@code DequantizeLinear(axis=0)}.
 *       The scale is per slice because rows differ in range: axis 0 is the output row of a
 *       {@code Gemm transB=1} weight, the output channel of a Conv kernel, a row of an embedding
 *       table, and one scale for the whole tensor would spend the 8 bits of a small row on the
 *       range of the largest. Symmetric ({@code scale = max|row| / 127}, values in -127..127)
 *       since trained weights centre on zero; the error of a weight is at most {@code scale/2}.
 * </ul>
 *
 * Smaller tensors (for int8 every rank-1 tensor too: biases and normalisation statistics, which
 * fp16 halves once they reach {@value #MIN_FP16} values; shape constants) stay as they are: they
 * weigh little, and some are read as exact values. The output's metadata gains
 * {@code distill.variant}; producer, opsets and all other metadata are kept. The same input gives
 * the same bytes.
 */
public final class WeightQuantizer {
  /** Below this, a cast node and a name cost about what halving the tensor saves. */
  static final int MIN_FP16 = 64;
  /** Below this, the per-row scales and zero points cost about what 8 bits save. */
  static final int MIN_INT8 = 256;
  /** DequantizeLinear's per-axis form (the {@code axis} attribute) arrived in opset 13. */
  static final long MIN_OPSET = 13;
  static final String VARIANT_KEY = "distill.variant";

  private static final float FP16_MAX = 65504f;

  private WeightQuantizer() {}

  /**
   * @throws IllegalArgumentException when the bytes are not an ONNX model, or for FP32/QDELTA
   *     (not quantizations), or for a model whose default-domain opset is below 13
   */
  public static byte[] quantize(byte[] fp32Onnx, Variant variant) {
    if (variant != Variant.FP16 && variant != Variant.INT8) {
      throw new IllegalArgumentException(
          "variant " + variant.id() + " is not a quantization: only fp16 and int8 are made here");
    }
    OnnxMl.ModelProto model = OnnxGraphReader.parse(fp32Onnx);
    checkOpset(model);
    OnnxMl.GraphProto graph = model.getGraph();

    Set<String> taken = namesIn(graph);
    Set<String> quantized = new HashSet<>();
    List<OnnxMl.NodeProto> restore = new ArrayList<>();
    OnnxMl.GraphProto.Builder g = graph.toBuilder().clearInitializer();
    for (OnnxMl.TensorProto t : graph.getInitializerList()) {
      List<OnnxMl.TensorProto> replaced = variant == Variant.FP16 ? toFp16(t, taken, restore) : toInt8(t, taken, restore);
      if (replaced == null) {
        g.addInitializer(t);
      } else {
        g.addAllInitializer(replaced);
        quantized.add(t.getName());
      }
    }
    // the restoring nodes define the old names before any consumer reads them (graph order is topological)
    List<OnnxMl.NodeProto> nodes = new ArrayList<>(restore);
    nodes.addAll(graph.getNodeList());
    g.clearNode().addAllNode(nodes);
    // an initializer listed as an input too could be overridden by the caller; its new form cannot
    List<OnnxMl.ValueInfoProto> inputs = new ArrayList<>(graph.getInputList());
    inputs.removeIf(v -> quantized.contains(v.getName()));
    g.clearInput().addAllInput(inputs);

    OnnxMl.ModelProto.Builder m = model.toBuilder().setGraph(g);
    setVariant(m, variant);
    return m.build().toByteArray();
  }

  private static void checkOpset(OnnxMl.ModelProto model) {
    long opset = -1;
    for (OnnxMl.OperatorSetIdProto o : model.getOpsetImportList()) {
      if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
        opset = o.getVersion();
      }
    }
    if (opset < MIN_OPSET) {
      throw new IllegalArgumentException((opset < 0 ? "the model imports no default-domain opset"
          : "the model's default-domain opset is " + opset)
          + "; quantizing needs opset " + MIN_OPSET + " or later (per-axis DequantizeLinear)");
    }
  }

  /** @return the FLOAT16 replacement (and a Cast added to {@code restore}), or null to keep {@code t} */
  private static List<OnnxMl.TensorProto> toFp16(OnnxMl.TensorProto t, Set<String> taken,
      List<OnnxMl.NodeProto> restore) {
    if (!isInlineFloat(t) || elements(t) < MIN_FP16) {
      return null;
    }
    float[] w = floats(t);
    ByteBuffer raw = ByteBuffer.allocate(w.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : w) {
      raw.putShort(toHalf(v));
    }
    String half = fresh(t.getName() + ".fp16", taken);
    restore.add(OnnxMl.NodeProto.newBuilder().setOpType("Cast").setName(fresh(t.getName() + ".cast", taken))
        .addInput(half).addOutput(t.getName())
        .addAttribute(intAttribute("to", OnnxMl.TensorProto.DataType.FLOAT_VALUE)).build());
    return List.of(tensor(half, OnnxMl.TensorProto.DataType.FLOAT16, t.getDimsList(), raw.array()));
  }

  /** @return the INT8 values, scales and zero points (and a DequantizeLinear added to {@code restore}), or null to keep {@code t} */
  private static List<OnnxMl.TensorProto> toInt8(OnnxMl.TensorProto t, Set<String> taken,
      List<OnnxMl.NodeProto> restore) {
    if (!isInlineFloat(t) || t.getDimsCount() < 2 || elements(t) < MIN_INT8) {
      return null;
    }
    float[] w = floats(t);
    int rows = (int) t.getDims(0);
    int cols = w.length / rows;
    byte[] q = new byte[w.length];
    ByteBuffer scales = ByteBuffer.allocate(rows * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int r = 0; r < rows; r++) {
      float max = 0;
      for (int i = r * cols; i < (r + 1) * cols; i++) {
        max = Math.max(max, Math.abs(w[i]));
      }
      // an all-zero row quantizes to zeros whatever its scale; 1 avoids dividing by zero
      float scale = max == 0 ? 1f : max / 127f;
      scales.putFloat(scale);
      for (int i = r * cols; i < (r + 1) * cols; i++) {
        // rint: half to even, as ONNX's own QuantizeLinear rounds
        q[i] = (byte) Math.max(-127, Math.min(127, Math.rint(w[i] / scale)));
      }
    }
    String name = t.getName();
    String values = fresh(name + ".q", taken);
    String scale = fresh(name + ".scale", taken);
    String zero = fresh(name + ".zp", taken);
    restore.add(OnnxMl.NodeProto.newBuilder().setOpType("DequantizeLinear").setName(fresh(name + ".dequantize", taken))
        .addInput(values).addInput(scale).addInput(zero).addOutput(name)
        .addAttribute(intAttribute("axis", 0)).build());
    List<Long> perRow = List.of((long) rows);
    return List.of(
        tensor(values, OnnxMl.TensorProto.DataType.INT8, t.getDimsList(), q),
        tensor(scale, OnnxMl.TensorProto.DataType.FLOAT, perRow, scales.array()),
        tensor(zero, OnnxMl.TensorProto.DataType.INT8, perRow, new byte[rows]));
  }

  /** Weights kept in an external file are left alone: their bytes are not in the model to rewrite. */
  private static boolean isInlineFloat(OnnxMl.TensorProto t) {
    return t.getDataType() == OnnxMl.TensorProto.DataType.FLOAT_VALUE
        && t.getDataLocation() != OnnxMl.TensorProto.DataLocation.EXTERNAL;
  }

  private static long elements(OnnxMl.TensorProto t) {
    long n = 1;
    for (long d : t.getDimsList()) {
      n *= d;
    }
    return n;
  }

  /** A FLOAT tensor's values, checked against its shape. */
  private static float[] floats(OnnxMl.TensorProto t) {
    return check(t, OnnxTensors.floats(t));
  }

  private static float[] check(OnnxMl.TensorProto t, float[] values) {
    if (values.length != elements(t)) {
      throw new IllegalArgumentException("initializer '" + t.getName() + "' holds " + values.length
          + " values, its shape " + t.getDimsList() + " holds " + elements(t));
    }
    return values;
  }

  private static OnnxMl.TensorProto tensor(String name, OnnxMl.TensorProto.DataType type, List<Long> dims, byte[] raw) {
    return OnnxMl.TensorProto.newBuilder().setName(name).setDataType(type.getNumber()).addAllDims(dims)
        .setRawData(ByteString.copyFrom(raw)).build();
  }

  private static OnnxMl.AttributeProto intAttribute(String name, long value) {
    return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.INT)
        .setI(value).build();
  }

  /** Every name the graph already uses, so a new one cannot shadow a value of the user's model. */
  private static Set<String> namesIn(OnnxMl.GraphProto g) {
    Set<String> names = new HashSet<>();
    g.getInitializerList().forEach(t -> names.add(t.getName()));
    g.getSparseInitializerList().forEach(t -> names.add(t.getValues().getName()));
    g.getInputList().forEach(v -> names.add(v.getName()));
    g.getOutputList().forEach(v -> names.add(v.getName()));
    g.getValueInfoList().forEach(v -> names.add(v.getName()));
    for (OnnxMl.NodeProto n : g.getNodeList()) {
      names.addAll(n.getInputList());
      names.addAll(n.getOutputList());
      names.add(n.getName());
    }
    return names;
  }

  /** {@code wanted}, or with a numbered suffix where the graph already has that name. */
  private static String fresh(String wanted, Set<String> taken) {
    String name = wanted;
    for (int i = 1; taken.contains(name); i++) {
      name = wanted + "_" + i;
    }
    taken.add(name);
    return name;
  }

  private static void setVariant(OnnxMl.ModelProto.Builder m, Variant variant) {
    OnnxMl.StringStringEntryProto entry = OnnxMl.StringStringEntryProto.newBuilder()
        .setKey(VARIANT_KEY).setValue(variant.id()).build();
    for (int i = 0; i < m.getMetadataPropsCount(); i++) {
      if (m.getMetadataProps(i).getKey().equals(VARIANT_KEY)) {
        m.setMetadataProps(i, entry);
        return;
      }
    }
    m.addMetadataProps(entry);
  }

  /**
   * IEEE 754 binary16 bits of {@code f}, rounded to nearest even. Finite values beyond the half
   * range become ±65504 (a weight that large is an outlier, and an infinity would poison every
   * output it touches); infinities stay infinities and NaN stays a (quiet) NaN.
   */
  static short toHalf(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int exponent = (bits >>> 23) & 0xff;
    int mantissa = bits & 0x7fffff;
    if (exponent == 0xff) {
      return (short) (sign | 0x7c00 | (mantissa != 0 ? 0x200 : 0));
    }
    int e = exponent - 127 + 15; // the half's biased exponent
    if (e >= 0x1f) {
      return (short) (sign | 0x7bff);
    }
    int h;
    int dropped;
    int rest;
    if (e >= 1) {
      // normal: keep the top 10 of 23 mantissa bits
      h = (e << 10) | (mantissa >>> 13);
      dropped = 13;
      rest = mantissa & 0x1fff;
    } else {
      // subnormal in half: count in units of 2^-24, i.e. 1.mantissa (24 bits) shifted right
      int full = mantissa | 0x800000;
      dropped = 126 - exponent;
      if (dropped > 24) {
        return (short) sign; // below half the smallest subnormal, 2^-25: rounds to zero
      }
      h = full >>> dropped;
      rest = full & ((1 << dropped) - 1);
    }
    int half = 1 << (dropped - 1);
    if (rest > half || (rest == half && (h & 1) == 1)) {
      h++; // a carry out of the mantissa correctly bumps the exponent
    }
    if (h >= 0x7c00) {
      h = 0x7bff; // rounded up past 65504
    }
    return (short) (sign | h);
  }
}
