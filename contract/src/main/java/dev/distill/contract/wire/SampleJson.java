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

/**
 * The JSON form of a {@link Sample}, for producers without protobuf (kcat, scripts):
 *
 * <pre>{@code
 * {"id": "s-42", "eventTimeMs": 1700000000000, "label": 7, "source": "kcat",
 *  "features": {"dtype": "uint8", "shape": [28, 28], "data": [0, 0, 12, ...]}}
 * {"id": "t-1", "tensors": {"input_ids": {"dtype": "int64", "shape": [16], "data": [5, 9, ...]},
 *                           "attention_mask": {"dtype": "int64", "shape": [16], "data": [1, 1, ...]}}}
 * }</pre>
 *
 * {@code data} is an array of numbers in row-major order, or a base64 string of the raw
 * little-endian bytes (also accepted as {@code dataBase64}). The canonical protobuf JSON mapping
 * (what {@code JsonFormat.printer()} and other languages' protobuf libraries write: enum names
 * such as {@code "UINT8"}, int64 as strings, bytes as base64, {@code event_time_ms} or {@code
 * eventTimeMs}) is the same shape and is read by the same rules. Unknown fields are ignored so
 * that newer writers do not break this reader; {@code label}, {@code eventTimeMs} and {@code
 * source} are optional.
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
    JsonNode time = field(root, "eventTimeMs", "event_time_ms");
    if (time != null && !time.isNull()) {
      b.setEventTimeMs(integer(time, "eventTimeMs", "must be an integer (epoch ms)"));
    }
    JsonNode label = root.get("label");
    if (label != null && !label.isNull()) {
      long l = integer(label, "label", "must be an integer class index");
      if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
        throw new MalformedMessageException(TYPE, "label", "must be an integer class index");
      }
      b.setLabel((int) l);
    }
    String source = text(root, "source", false);
    if (source != null) {
      b.setSource(source);
    }
    JsonNode features = root.get("features");
    JsonNode tensors = root.get("tensors");
    boolean hasTensors = tensors != null && !tensors.isNull();
    if (hasTensors) {
      if (!tensors.isObject()) {
        throw new MalformedMessageException(TYPE, "tensors", "must be an object of named tensors");
      }
      var it = tensors.fields();
      while (it.hasNext()) {
        var e = it.next();
        String path = "tensors[" + e.getKey() + "]";
        if (!e.getValue().isObject()) {
          throw new MalformedMessageException(TYPE, path, "must be an object with dtype, shape and data");
        }
        b.putTensors(e.getKey(), tensor(e.getValue(), path));
      }
    }
    if (features != null && !features.isNull()) {
      if (!features.isObject()) {
        throw new MalformedMessageException(TYPE, "features", "must be an object with dtype, shape and data");
      }
      b.setFeatures(tensor(features, "features"));
    } else if (!hasTensors) {
      throw new MalformedMessageException(TYPE, "features",
          "must be an object with dtype, shape and data (or give tensors by name)");
    }
    return b.build();
  }

  private static Tensor tensor(JsonNode f, String path) {
    JsonNode dtypeNode = f.get("dtype");
    DType dtype;
    if (dtypeNode != null && dtypeNode.isIntegralNumber()) {
      dtype = DType.forNumber(dtypeNode.asInt());
      if (dtype == null || dtype == DType.DTYPE_UNSPECIFIED) {
        throw new MalformedMessageException(TYPE, path + ".dtype", "unknown dtype number " + dtypeNode.asInt());
      }
    } else {
      String dtypeName = text(f, "dtype", true, path + ".dtype");
      try {
        dtype = Tensors.parseDType(dtypeName);
      } catch (IllegalArgumentException e) {
        throw new MalformedMessageException(TYPE, path + ".dtype", e.getMessage());
      }
    }
    JsonNode shape = f.get("shape");
    if (shape == null || !shape.isArray() || shape.isEmpty()) {
      throw new MalformedMessageException(TYPE, path + ".shape", "must be a non-empty array of integers");
    }
    Tensor.Builder t = Tensor.newBuilder().setDtype(dtype);
    for (int i = 0; i < shape.size(); i++) {
      long d = integer(shape.get(i), path + ".shape[" + i + "]", "must be an integer");
      if (d < Integer.MIN_VALUE || d > Integer.MAX_VALUE) {
        throw new MalformedMessageException(TYPE, path + ".shape[" + i + "]", "must be an integer");
      }
      t.addShape((int) d);
    }
    JsonNode data = f.get("data");
    JsonNode b64 = f.get("dataBase64");
    if (data != null && data.isArray()) {
      t.setData(fromNumbers((ArrayNode) data, dtype, path + ".data"));
    } else if (data != null && data.isTextual()) {
      t.setData(base64(data.asText(), path + ".data"));
    } else if (b64 != null && b64.isTextual()) {
      t.setData(base64(b64.asText(), path + ".dataBase64"));
    } else {
      throw new MalformedMessageException(
          TYPE, path + ".data", "must be an array of numbers or a base64 string of the raw bytes");
    }
    return t.build();
  }

  private static ByteString base64(String text, String path) {
    try {
      return ByteString.copyFrom(Base64.getDecoder().decode(text));
    } catch (IllegalArgumentException e) {
      throw new MalformedMessageException(TYPE, path, "is not valid base64: " + e.getMessage());
    }
  }

  private static ByteString fromNumbers(ArrayNode data, DType dtype, String path) {
    int n = data.size();
    ByteBuffer buf = ByteBuffer.allocate(n * Tensors.bytesPerElement(dtype)).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      JsonNode v = data.get(i);
      String at = path + "[" + i + "]";
      switch (dtype) {
        case UINT8 -> {
          if (!v.isIntegralNumber() || v.asInt() < 0 || v.asInt() > 255) {
            throw new MalformedMessageException(TYPE, at, "must be an integer 0..255 for uint8, got " + v);
          }
          buf.put((byte) v.asInt());
        }
        case INT32 -> {
          long x = integer(v, at, "must be an integer for int32, got " + v);
          if (x < Integer.MIN_VALUE || x > Integer.MAX_VALUE) {
            throw new MalformedMessageException(TYPE, at, "is out of the int32 range: " + v);
          }
          buf.putInt((int) x);
        }
        case INT64 -> buf.putLong(integer(v, at, "must be an integer for int64, got " + v));
        case FLOAT16 -> buf.putShort(Half.fromFloat(number(v, at)));
        default -> buf.putFloat(number(v, at));
      }
    }
    return ByteString.copyFrom(buf.array());
  }

  private static float number(JsonNode v, String path) {
    if (!v.isNumber()) {
      throw new MalformedMessageException(TYPE, path, "must be a number, got " + v);
    }
    return v.floatValue();
  }

  /** An integer given as a JSON number or, as the protobuf JSON mapping writes int64, a string. */
  private static long integer(JsonNode v, String path, String problem) {
    if (v.isIntegralNumber() && v.canConvertToLong()) {
      return v.asLong();
    }
    if (v.isTextual()) {
      try {
        return Long.parseLong(v.asText().trim());
      } catch (NumberFormatException e) {
        throw new MalformedMessageException(TYPE, path, problem);
      }
    }
    throw new MalformedMessageException(TYPE, path, problem);
  }

  private static JsonNode field(JsonNode node, String jsonName, String protoName) {
    JsonNode v = node.get(jsonName);
    return v != null ? v : node.get(protoName);
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

  /** The JSON form of a sample (numbers arrays), e.g. to show users what to send. */
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
    if (s.hasFeatures()) {
      writeTensor(root.putObject("features"), s.getFeatures());
    }
    if (s.getTensorsCount() > 0) {
      ObjectNode named = root.putObject("tensors");
      new java.util.TreeMap<>(s.getTensorsMap()).forEach((name, t) -> writeTensor(named.putObject(name), t));
    }
    return root.toString();
  }

  private static void writeTensor(ObjectNode f, Tensor t) {
    f.put("dtype", Tensors.name(t.getDtype()));
    ArrayNode shape = f.putArray("shape");
    t.getShapeList().forEach(shape::add);
    ArrayNode data = f.putArray("data");
    if (Tensors.isFloatingPoint(t.getDtype())) {
      for (float v : Tensors.toFloats(t)) {
        data.add(v);
      }
    } else {
      for (long v : Tensors.toLongs(t)) {
        data.add(v);
      }
    }
  }
}
