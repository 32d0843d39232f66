package dev.distill.contract.onnx;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An ONNX model file: a graph plus who made it and its provenance as metadata properties
 * (teacher, temperature, data range, ...), which ONNX Runtime exposes as custom metadata.
 *
 * <p>IR version 8 with opset 17: understood by ONNX Runtime 1.24 and by onnx 1.12's checker.
 */
public final class OnnxModel {
  public static final long IR_VERSION = 8;
  public static final long OPSET = 17;

  private final OnnxGraph graph;
  private String producerName = "distill";
  private String producerVersion = "dev";
  private long modelVersion;
  private String docString = "";
  private final Map<String, String> metadata = new LinkedHashMap<>();

  public OnnxModel(OnnxGraph graph) {
    this.graph = graph;
  }

  public OnnxModel producer(String name, String version) {
    this.producerName = name;
    this.producerVersion = version;
    return this;
  }

  public OnnxModel modelVersion(long version) {
    this.modelVersion = version;
    return this;
  }

  public OnnxModel doc(String doc) {
    this.docString = doc;
    return this;
  }

  /** A provenance entry, e.g. {@code distill.teacher_id}. */
  public OnnxModel metadata(String key, String value) {
    metadata.put(key, value);
    return this;
  }

  public OnnxModel metadata(Map<String, String> entries) {
    metadata.putAll(entries);
    return this;
  }

  public byte[] toBytes() {
    // ModelProto: ir_version=1, producer_name=2, producer_version=3, model_version=5,
    // doc_string=6, graph=7, opset_import=8, metadata_props=14
    Proto m = new Proto().int64(1, IR_VERSION).string(2, producerName).string(3, producerVersion);
    if (modelVersion != 0) {
      m.int64(5, modelVersion);
    }
    if (!docString.isEmpty()) {
      m.string(6, docString);
    }
    m.message(7, graph.toProto());
    m.message(8, new Proto().string(1, "").int64(2, OPSET));
    metadata.forEach((k, v) -> m.message(14, new Proto().string(1, k).string(2, v)));
    return m.toByteArray();
  }
}
