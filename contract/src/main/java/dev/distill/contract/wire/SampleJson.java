package dev.distill.contract.wire;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.distill.contract.proto.DType;
import dev.distill.contract.proto.Sample;
import dev.distill.contract.proto.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.Locale;

/**
 * The JSON form of a {@link Sample}, for producers without protobuf (kcat, scripts):
 *
 * <pre>{@code
 * {"id": "s-42", "eventTimeMs": 1700000000000, "label": 7, "source": "kcat",
 *  "features": {"dtype": "uint8", "shape": [28, 28], "data": [0, 0, 12, ...]}}
 * }</pre>
 *
 * {@code data} is an array of numbers in row-major order, or {@code dataBase64} holds the raw
 * little-endian bytes. Unknown fields are ignored so that newer writers do not break this
 * reader; {@code label}, {@code eventTimeMs} and {@code source} are optional.
 */
public final class SampleJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String TYPE = Samples.TYPE;

  private SampleJson() {}

  public static Sample parse(byte[] json) {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (IOException e) {
      String detail =
          e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
      throw new MalformedMessageException(TYPE, "", "not valid JSON: " + detail, e);
    }
    if (root == null || !root.isObject()) {
      throw new MalformedMessageException(TYPE, "", "JSON sample must be an object");
    }
    Sample.Builder b = Sample.newBuilder();
    b.setId(text(root, "id", true));
    JsonNode time = root.get("eventTimeMs");
    if (time != null && !time.isNull()) {
      if (!time.canConvertToLong() || !time.isIntegralNumber()) {
        throw new MalformedMessageException(TYPE, "eventTimeMs", "must be an integer (epoch ms)");
      }
      b.setEventTimeMs(time.asLong());
    }
    JsonNode label = root.get("label");
    if (label != null && !label.isNull()) {
      if (!label.isIntegralNumber() || !label.canConvertToInt()) {
        throw new MalformedMessageException(TYPE, "label", "must be an integer class index");
      }
      b.setLabel(label.asInt());
    }
    String source = text(root, "source", false);
    if (source != null) {
      b.setSource(source);
    }
    JsonNode features = root.get("features");
    if (features == null || !features.isObject()) {
      throw new MalformedMessageException(TYPE, "features", "must be an object with dtype, shape and data");
    }
    b.setFeatures(tensor(features));
    return b.build();
  }

  private static Tensor tensor(JsonNode f) {
    String dtypeName = text(f, "dtype", true, "features.dtype");
    DType dtype =
        switch (dtypeName.toLowerCase(Locale.ROOT)) {
          case "uint8" -> DType.UINT8;
          case "float32" -> DType.FLOAT32;
          default ->
              throw new MalformedMessageException(
                  TYPE, "features.dtype", "unsupported dtype '" + dtypeName + "' (uint8 or float32)");
        };
    JsonNode shape = f.get("shape");
    if (shape == null || !shape.isArray() || shape.isEmpty()) {
      throw new MalformedMessageException(TYPE, "features.shape", "must be a non-empty array of integers");
    }
    Tensor.Builder t = Tensor.newBuilder().setDtype(dtype);
    for (int i = 0; i < shape.size(); i++) {
      JsonNode d = shape.get(i);
      if (!d.isIntegralNumber() || !d.canConvertToInt()) {
        throw new MalformedMessageException(TYPE, "features.shape[" + i + "]", "must be an integer");
      }
      t.addShape(d.asInt());
    }
    JsonNode data = f.get("data");
    JsonNode b64 = f.get("dataBase64");
    if (data != null && data.isArray()) {
      t.setData(fromNumbers((ArrayNode) data, dtype));
    } else if (b64 != null && b64.isTextual()) {
      try {
        t.setData(ByteString.copyFrom(Base64.getDecoder().decode(b64.asText())));
      } catch (IllegalArgumentException e) {
        throw new MalformedMessageException(TYPE, "features.dataBase64", "is not valid base64: " + e.getMessage());
      }
    } else {
      throw new MalformedMessageException(
          TYPE, "features.data", "must be an array of numbers (or give features.dataBase64)");
    }
    return t.build();
  }

  private static ByteString fromNumbers(ArrayNode data, DType dtype) {
    int n = data.size();
    if (dtype == DType.UINT8) {
      byte[] out = new byte[n];
      for (int i = 0; i < n; i++) {
        JsonNode v = data.get(i);
        if (!v.isIntegralNumber() || v.asInt() < 0 || v.asInt() > 255) {
          throw new MalformedMessageException(
              TYPE, "features.data[" + i + "]", "must be an integer 0..255 for uint8, got " + v);
        }
        out[i] = (byte) v.asInt();
      }
      return ByteString.copyFrom(out);
    }
    ByteBuffer buf = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      JsonNode v = data.get(i);
      if (!v.isNumber()) {
        throw new MalformedMessageException(TYPE, "features.data[" + i + "]", "must be a number, got " + v);
      }
      buf.putFloat(v.floatValue());
    }
    return ByteString.copyFrom(buf.array());
  }

  private static String text(JsonNode node, String name, boolean required) {
    return text(node, name, required, name);
  }

  private static String text(JsonNode node, String name, boolean required, String path) {
    JsonNode v = node.get(name);
    if (v == null || v.isNull()) {
      if (required) {
        throw new MalformedMessageException(TYPE, path, "is missing");
      }
      return null;
    }
    if (!v.isTextual()) {
      throw new MalformedMessageException(TYPE, path, "must be a string, got " + v.getNodeType());
    }
    return v.asText();
  }

  /** The JSON form of a sample (numbers array), e.g. to show users what to send. */
  public static String toJson(Sample s) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("id", s.getId());
    if (s.getEventTimeMs() != 0) {
      root.put("eventTimeMs", s.getEventTimeMs());
    }
    if (s.hasLabel()) {
      root.put("label", s.getLabel());
    }
    if (!s.getSource().isEmpty()) {
      root.put("source", s.getSource());
    }
    ObjectNode f = root.putObject("features");
    Tensor t = s.getFeatures();
    f.put("dtype", t.getDtype() == DType.UINT8 ? "uint8" : "float32");
    ArrayNode shape = f.putArray("shape");
    t.getShapeList().forEach(shape::add);
    ArrayNode data = f.putArray("data");
    float[] values = Tensors.toFloats(t);
    for (float v : values) {
      if (t.getDtype() == DType.UINT8) {
        data.add((int) v);
      } else {
        data.add(v);
      }
    }
    return root.toString();
  }
}
