package dev.distill.contract.onnx;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.distill.contract.model.TensorSpec;
import dev.distill.contract.proto.DType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads what a user's ONNX file declares, with ONNX's own protobuf classes (from Tribuo's
 * {@code tribuo-util-onnx}): the graph's real inputs (initializers that older exporters also list
 * as inputs are left out), its outputs, the opsets, the producer and the metadata. Nothing is run
 * here; ONNX Runtime checks that the graph executes.
 */
public final class OnnxGraphReader {
  private OnnxGraphReader() {}

  /** A graph's declared interface. Element types ONNX has and this system does not are {@code null} dtypes. */
  public record Description(List<Declared> inputs, List<Declared> outputs, String producer, Map<String, Long> opsets,
      Map<String, String> metadata) {}

  /** One declared input or output; {@code onnxType} is ONNX's element type name, e.g. {@code FLOAT}. */
  public record Declared(String name, String onnxType, DType dtype, List<TensorSpec.Dim> shape) {
    /** As a {@link TensorSpec}; fails for element types this system has no dtype for. */
    public TensorSpec spec() {
      if (dtype == null) {
        throw new IllegalArgumentException("'" + name + "' is of ONNX type " + onnxType
            + ", which samples cannot carry (uint8, int32, int64, float16 or float32)");
      }
      return new TensorSpec(name, dtype, shape);
    }
  }

  /**
   * @throws IllegalArgumentException when the bytes are not an ONNX model
   */
  public static Description read(byte[] onnx) {
    OnnxMl.ModelProto model = parse(onnx);
    OnnxMl.GraphProto g = model.getGraph();
    Set<String> initialized = new HashSet<>();
    g.getInitializerList().forEach(t -> initialized.add(t.getName()));
    List<Declared> inputs = new ArrayList<>();
    for (OnnxMl.ValueInfoProto v : g.getInputList()) {
      if (!initialized.contains(v.getName())) {
        inputs.add(declared(v));
      }
    }
    List<Declared> outputs = new ArrayList<>();
    g.getOutputList().forEach(v -> outputs.add(declared(v)));
    Map<String, Long> opsets = new LinkedHashMap<>();
    model.getOpsetImportList().forEach(o -> opsets.put(o.getDomain().isEmpty() ? "ai.onnx" : o.getDomain(),
        o.getVersion()));
    Map<String, String> meta = new LinkedHashMap<>();
    model.getMetadataPropsList().forEach(p -> meta.put(p.getKey(), p.getValue()));
    String producer = (model.getProducerName() + " " + model.getProducerVersion()).trim();
    return new Description(inputs, outputs, producer, opsets, meta);
  }

  /**
   * {@link #parse(byte[])}, its refusal naming the model's role ("the published model is not an
   * ONNX model ...").
   */
  public static OnnxMl.ModelProto parse(byte[] onnx, String role) {
    try {
      return parse(onnx);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the " + role + " model is " + e.getMessage(), e);
    }
  }

  /**
   * @throws IllegalArgumentException when the bytes are not an ONNX model (or one without a graph)
   */
  static OnnxMl.ModelProto parse(byte[] onnx) {
    OnnxMl.ModelProto model;
    try {
      model = OnnxMl.ModelProto.parseFrom(onnx);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("not an ONNX model (" + onnx.length + " bytes): " + e.getMessage(), e);
    }
    if (!model.hasGraph()) {
      throw new IllegalArgumentException("not an ONNX model: it has no graph");
    }
    return model;
  }

  private static Declared declared(OnnxMl.ValueInfoProto v) {
    if (!v.getType().hasTensorType()) {
      return new Declared(v.getName(), v.getType().getValueCase().name(), null, List.of());
    }
    OnnxMl.TypeProto.Tensor t = v.getType().getTensorType();
    int elem = t.getElemType();
    List<TensorSpec.Dim> dims = new ArrayList<>();
    int i = 0;
    for (OnnxMl.TensorShapeProto.Dimension d : t.getShape().getDimList()) {
      if (d.hasDimValue() && d.getDimValue() > 0) {
        dims.add(TensorSpec.Dim.fixed(d.getDimValue()));
      } else {
        dims.add(TensorSpec.Dim.symbolic(d.hasDimParam() && !d.getDimParam().isEmpty() ? d.getDimParam()
            : (i == 0 ? "N" : "d" + i)));
      }
      i++;
    }
    String name = OnnxMl.TensorProto.DataType.forNumber(elem) == null ? "type " + elem
        : OnnxMl.TensorProto.DataType.forNumber(elem).name();
    return new Declared(v.getName(), name, dtypeOf(elem), dims);
  }

  private static DType dtypeOf(int onnxElemType) {
    return switch (onnxElemType) {
      case 1 -> DType.FLOAT32; // FLOAT
      case 2 -> DType.UINT8;
      case 6 -> DType.INT32;
      case 7 -> DType.INT64;
      case 10 -> DType.FLOAT16;
      default -> null;
    };
  }
}
