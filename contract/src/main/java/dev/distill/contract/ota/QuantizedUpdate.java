package dev.distill.contract.ota;

import ai.onnx.proto.OnnxMl;
import dev.distill.contract.onnx.OnnxGraphReader;
import dev.distill.contract.onnx.OnnxTensors;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The next version of a quantized-update lineage ({@code Variant.QDELTA}): the version last
 * published in it, moved towards the trained model in whole steps. Per float tensor, the step is
 * {@code stepScale} times the root mean square of the update {@code trained - published}; each
 * weight becomes {@code published + q * step} with {@code q = round(update / step)} in
 * {@code [-127, 127]}, computed in float32 exactly as {@link #rebuild} does.
 *
 * <p>Why: after an optimizer step every weight changes a little, so a lossless delta between
 * consecutive versions costs two thirds of the model; the same update rounded to one step per
 * tensor is a small integer per weight, mostly 0 and ±1, which zstd packs into a few bits. What
 * the rounding leaves out is not lost: the next version is measured from these weights towards a
 * trained model that kept learning, so the remainder is sent then (error feedback).
 *
 * <p>The version names what it was made from in its ONNX metadata: {@value #BASE_KEY} (the
 * published version's sha256) and {@value #STEPS_KEY} (one line per coded tensor: the step's
 * float bits as 8 hex digits, a space, the tensor's name). {@link DeltaCodec} uses them to send the
 * integers instead of the floats when a device holds exactly that base, and checks that they
 * rebuild the version bit for bit; the version is an ordinary ONNX model, signed and installed like
 * any other, and the graph is the trained model's.
 */
public final class QuantizedUpdate {
  public static final String BASE_KEY = "distill.update.base";
  public static final String STEPS_KEY = "distill.update.steps";
  public static final int MAX_STEPS = 127;

  private QuantizedUpdate() {}

  /**
   * @param onnx the new version's bytes
   * @param weights float weights in the model
   * @param changed of which differ from the published version's
   */
  public record Result(byte[] onnx, long weights, long changed) {}

  /** A weight of the version: computed in float32, the same on every device. */
  public static float rebuild(float base, int q, float step) {
    return base + (float) q * step;
  }

  /**
   * @param published the version last published in the lineage
   * @param trained the trained model now, with the new version's graph and metadata
   * @param stepScale each tensor's step in root mean squares of its update; larger is coarser
   * @throws IllegalArgumentException when either is not an ONNX model, or for a step scale that is not positive
   */
  public static Result apply(byte[] published, byte[] trained, double stepScale) {
    if (!(stepScale > 0 && Double.isFinite(stepScale))) {
      throw new IllegalArgumentException("the step scale must be positive, not " + stepScale);
    }
    OnnxMl.ModelProto base = OnnxGraphReader.parse(published, "published");
    OnnxMl.ModelProto next = OnnxGraphReader.parse(trained, "trained");
    Map<String, OnnxMl.TensorProto> baseTensors = new HashMap<>();
    base.getGraph().getInitializerList().forEach(t -> baseTensors.put(t.getName(), t));
    OnnxMl.GraphProto.Builder graph = next.getGraph().toBuilder();
    StringBuilder steps = new StringBuilder();
    long weights = 0;
    long changed = 0;
    for (int i = 0; i < graph.getInitializerCount(); i++) {
      OnnxMl.TensorProto t = graph.getInitializer(i);
      if (t.getDataType() != OnnxLayout.FLOAT) {
        continue;
      }
      float[] target = OnnxTensors.floats(t);
      weights += target.length;
      OnnxMl.TensorProto b = baseTensors.get(t.getName());
      if (b == null || b.getDataType() != OnnxLayout.FLOAT || !b.getDimsList().equals(t.getDimsList())
          || t.getName().indexOf('\n') >= 0) {
        changed += target.length; // taken whole
        continue;
      }
      float[] from = OnnxTensors.floats(b);
      float step = step(from, target, stepScale);
      float[] out = from.clone();
      if (step > 0) {
        for (int j = 0; j < out.length; j++) {
          out[j] = rebuild(from[j], quantize(target[j] - from[j], step), step);
        }
        steps.append(String.format(Locale.ROOT, "%08x %s%n", Float.floatToRawIntBits(step), t.getName()));
      }
      for (int j = 0; j < out.length; j++) {
        changed += Float.floatToRawIntBits(out[j]) != Float.floatToRawIntBits(from[j]) ? 1 : 0;
      }
      graph.setInitializer(i, OnnxTensors.withFloats(t, out));
    }
    OnnxMl.ModelProto.Builder model = next.toBuilder().setGraph(graph);
    List<OnnxMl.StringStringEntryProto> kept = model.getMetadataPropsList().stream()
        .filter(e -> !e.getKey().equals(BASE_KEY) && !e.getKey().equals(STEPS_KEY)).toList();
    model.clearMetadataProps().addAllMetadataProps(kept)
        .addMetadataProps(entry(BASE_KEY, Manifest.hex(DeltaCodec.sha256(published))))
        .addMetadataProps(entry(STEPS_KEY, steps.toString()));
    return new Result(model.build().toByteArray(), weights, changed);
  }

  /** {@code round(update / step)} within {@code [-MAX_STEPS, MAX_STEPS]}. */
  static int quantize(float update, float step) {
    return Math.max(-MAX_STEPS, Math.min(MAX_STEPS, Math.round(update / step)));
  }

  /** The step of one tensor: 0 when nothing moved (or the update is not finite), and the tensor stays. */
  private static float step(float[] from, float[] target, double stepScale) {
    double sum = 0;
    for (int j = 0; j < from.length; j++) {
      double d = (double) target[j] - from[j];
      sum += d * d;
    }
    float step = (float) (stepScale * Math.sqrt(sum / Math.max(1, from.length)));
    return Float.isFinite(step) && step > 0 ? step : 0f;
  }

  /** The steps a version's metadata declares, by tensor name; empty when it declares none or garbles them. */
  static Map<String, Float> steps(Map<String, String> metadata) {
    Map<String, Float> out = new HashMap<>();
    String lines = metadata.get(STEPS_KEY);
    if (lines == null) {
      return out;
    }
    for (String line : lines.split("\n")) {
      if (line.length() < 10 || line.charAt(8) != ' ') {
        continue;
      }
      try {
        float step = Float.intBitsToFloat(Integer.parseUnsignedInt(line.substring(0, 8), 16));
        if (Float.isFinite(step) && step > 0) {
          out.put(line.substring(9), step);
        }
      } catch (NumberFormatException e) {
        // not a step: the tensor travels as an XOR instead
      }
    }
    return out;
  }

  private static OnnxMl.StringStringEntryProto entry(String key, String value) {
    return OnnxMl.StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
  }
}
