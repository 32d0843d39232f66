package dev.distill.contract.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.contract.proto.DType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a teacher version is, beside its ONNX files ({@value #FILE}): every input the graph takes
 * (name, dtype, shape with symbolic dims), which sample tensor feeds it and the preprocessing on
 * the way, the output and whether it holds logits or probabilities, the class names, and free-form
 * facts (architecture, data set, test errors, where it came from). Written by {@code distill
 * teacher import} and {@code distill teacher train}; the scorer feeds a teacher by it, a student
 * takes the same inputs.
 */
public record TeacherManifest(List<Input> inputs, Output output, List<String> classNames, Map<String, String> info) {
  public static final String FILE = "teacher.json";
  public static final int FORMAT = 1;
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public TeacherManifest {
    inputs = List.copyOf(inputs);
    classNames = List.copyOf(classNames);
    info = Map.copyOf(new TreeMap<>(info));
    if (inputs.isEmpty()) {
      throw new IllegalArgumentException("a teacher takes at least one input");
    }
    if (!classNames.isEmpty() && classNames.size() != output.classes()) {
      throw new IllegalArgumentException(classNames.size() + " class names for " + output.classes() + " classes");
    }
  }

  /**
   * One graph input.
   *
   * @param sampleTensor the sample's tensor that feeds it; empty when the sample's only tensor
   *     feeds the only input, or the input's own name otherwise
   */
  public record Input(TensorSpec spec, String sampleTensor, Preprocess preprocess) {
    public Input {
      sampleTensor = sampleTensor == null ? "" : sampleTensor;
    }

    public String name() {
      return spec.name();
    }
  }

  /** What the output holds. */
  public enum OutputKind {
    /** Unnormalised scores z: soft targets are softmax(z/T). */
    LOGITS,
    /** A distribution p: its log is a valid logit vector, so soft targets are softmax(log p / T). */
    PROBABILITIES
  }

  public record Output(String name, OutputKind kind, int classes) {
    public Output {
      if (classes < 2) {
        throw new IllegalArgumentException("a classifier has at least 2 classes, got " + classes);
      }
    }
  }

  /** The interface of every teacher trained before manifests existed: {@code pixels [N, D]} raw floats to {@code logits}. */
  public static TeacherManifest legacy(int inputSize, int classes, Map<String, String> info) {
    TensorSpec pixels = new TensorSpec(ModelInterface.INPUT, DType.FLOAT32,
        List.of(TensorSpec.Dim.symbolic("N"), TensorSpec.Dim.fixed(inputSize)));
    return new TeacherManifest(List.of(new Input(pixels, "", Preprocess.IDENTITY)),
        new Output(ModelInterface.OUTPUT, OutputKind.LOGITS, classes), List.of(), info);
  }

  /** The sample tensor that feeds input {@code i}: its own mapping, or the input's name. */
  public String sampleTensorOf(int i) {
    Input in = inputs.get(i);
    return in.sampleTensor().isEmpty() ? in.name() : in.sampleTensor();
  }

  public String className(int c) {
    return c < classNames.size() ? classNames.get(c) : Integer.toString(c);
  }

  public byte[] toJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    ArrayNode ins = root.putArray("inputs");
    for (Input in : inputs) {
      ObjectNode o = ins.addObject();
      o.put("name", in.name());
      o.put("dtype", dev.distill.contract.wire.Tensors.name(in.spec().dtype()));
      ArrayNode shape = o.putArray("shape");
      for (TensorSpec.Dim d : in.spec().shape()) {
        if (d.isFixed()) {
          shape.add(d.size());
        } else {
          shape.add(d.symbol());
        }
      }
      if (!in.sampleTensor().isEmpty()) {
        o.put("sampleTensor", in.sampleTensor());
      }
      ObjectNode p = o.putObject("preprocess");
      p.put("scale", in.preprocess().scale());
      in.preprocess().mean().forEach(p.putArray("mean")::add);
      in.preprocess().std().forEach(p.putArray("std")::add);
      p.put("layout", in.preprocess().layout().name().toLowerCase(Locale.ROOT));
    }
    ObjectNode out = root.putObject("output");
    out.put("name", output.name());
    out.put("kind", output.kind().name().toLowerCase(Locale.ROOT));
    out.put("classes", output.classes());
    classNames.forEach(root.putArray("classNames")::add);
    ObjectNode facts = root.putObject("info");
    new TreeMap<>(info).forEach(facts::put);
    try {
      return JSON.writeValueAsBytes(root);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write a teacher manifest", e);
    }
  }

  /**
   * Reads a manifest; unknown fields are ignored (newer writers), missing required ones named.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  public static TeacherManifest fromJson(byte[] bytes) {
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (IOException e) {
      throw new IllegalArgumentException("not valid JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("a teacher manifest is a JSON object");
    }
    int format = root.path("format").asInt(0);
    if (format != FORMAT) {
      throw new IllegalArgumentException("format " + format + " is not understood (this reader knows " + FORMAT + ")");
    }
    List<Input> inputs = new ArrayList<>();
    for (JsonNode o : required(root, "inputs")) {
      List<TensorSpec.Dim> dims = new ArrayList<>();
      for (JsonNode d : required(o, "shape")) {
        dims.add(d.isIntegralNumber() ? TensorSpec.Dim.fixed(d.asLong()) : TensorSpec.Dim.symbolic(d.asText()));
      }
      TensorSpec spec = new TensorSpec(required(o, "name").asText(),
          dev.distill.contract.wire.Tensors.parseDType(required(o, "dtype").asText()), dims);
      JsonNode p = o.path("preprocess");
      Preprocess pre = p.isMissingNode() ? Preprocess.IDENTITY : new Preprocess(p.path("scale").asDouble(1),
          doubles(p.path("mean"), 0.0), doubles(p.path("std"), 1.0),
          Preprocess.Layout.valueOf(p.path("layout").asText("none").toUpperCase(Locale.ROOT)));
      inputs.add(new Input(spec, o.path("sampleTensor").asText(""), pre));
    }
    JsonNode out = required(root, "output");
    Output output = new Output(required(out, "name").asText(),
        OutputKind.valueOf(out.path("kind").asText("logits").toUpperCase(Locale.ROOT)), required(out, "classes").asInt());
    List<String> names = new ArrayList<>();
    root.path("classNames").forEach(n -> names.add(n.asText()));
    Map<String, String> info = new LinkedHashMap<>();
    root.path("info").fields().forEachRemaining(e -> info.put(e.getKey(), e.getValue().asText()));
    return new TeacherManifest(inputs, output, names, info);
  }

  private static JsonNode required(JsonNode node, String name) {
    JsonNode v = node.get(name);
    if (v == null || v.isNull()) {
      throw new IllegalArgumentException("'" + name + "' is missing");
    }
    return v;
  }

  private static List<Double> doubles(JsonNode array, double absent) {
    List<Double> out = new ArrayList<>();
    array.forEach(v -> out.add(v.asDouble()));
    return out.isEmpty() ? List.of(absent) : out;
  }
}
