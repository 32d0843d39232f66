package dev.distill.trainer.version;

import ai.onnxruntime.OrtException;
import com.google.protobuf.ByteString;
import dev.distill.contract.model.Variant;
import dev.distill.contract.onnx.WeightQuantizer;
import dev.distill.contract.ota.QuantizedUpdate;
import dev.distill.contract.proto.ModelVersion;
import dev.distill.trainer.model.StudentInputs;
import dev.distill.trainer.stream.Example;
import dev.distill.trainer.validation.OnnxSliceMetrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The variants of a version the gate passed ({@link Variant}): fp16 and int8 weight-only
 * quantizations of its artifact, and the next version of the qdelta lineage (a quantized update
 * of that lineage's last version towards it). Each is a version of its own lineage with the same
 * number, measured as ONNX Runtime runs it on the validation slice beside the fp32 artifact; its
 * metrics are its own, with {@value #ACCURACY_CHANGE} and {@value #AGREEMENT_CHANGE} against the
 * fp32 artifact, and the fp32 version records each variant's change as
 * {@code variant.<id>.accuracy_change}.
 */
public final class VariantVersions {
  public static final String ACCURACY_CHANGE = "accuracy_change";
  public static final String AGREEMENT_CHANGE = "agreement_change";
  public static final String ONNX_ACCURACY = "onnx_validation_accuracy";
  public static final String ONNX_AGREEMENT = "onnx_validation_agreement";
  public static final String WEIGHTS_CHANGED = "weights_changed_fraction";
  private static final Logger log = LoggerFactory.getLogger(VariantVersions.class);

  /**
   * What to publish besides the fp32 version.
   *
   * @param variants besides fp32, each at most once
   * @param qdeltaStep the qdelta lineage's step, in root mean squares of each tensor's update
   */
  public record Settings(List<Variant> variants, double qdeltaStep) {
    public static final Settings NONE = new Settings(List.of(), 1.0);

    public Settings {
      variants = List.copyOf(variants);
      if (variants.contains(Variant.FP32) || variants.stream().distinct().count() != variants.size()) {
        throw new IllegalArgumentException("variants besides fp32, each once: " + variants);
      }
    }
  }

  /**
   * @param fp32 the fp32 version with each variant's change in its metrics
   * @param variants the variants' versions, unsigned
   * @param qdeltaOnnx the qdelta lineage's newest artifact (what the next one updates); empty without that variant
   */
  public record Published(ModelVersion fp32, List<ModelVersion> variants, ByteString qdeltaOnnx) {}

  private VariantVersions() {}

  /**
   * @param fp32 the version the gate passed, with its artifact inline
   * @param qdeltaBase the qdelta lineage's last artifact; empty before its first version
   * @param slice the validation slice the gate judged on
   * @throws OrtException when ONNX Runtime cannot run an artifact
   */
  public static Published build(Settings settings, ModelVersion fp32, ByteString qdeltaBase, StudentInputs inputs,
      List<Example> slice) throws OrtException {
    if (settings.variants().isEmpty()) {
      return new Published(fp32, List.of(), ByteString.EMPTY);
    }
    byte[] full = fp32.getOnnx().toByteArray();
    OnnxSliceMetrics reference = OnnxSliceMetrics.measure(full, inputs, slice);
    ModelVersion.Builder fp32WithChanges = fp32.toBuilder()
        .putMetrics(ONNX_ACCURACY, reference.accuracy())
        .putMetrics(ONNX_AGREEMENT, reference.agreement());
    List<ModelVersion> out = new ArrayList<>();
    ByteString qdelta = ByteString.EMPTY;
    for (Variant v : settings.variants()) {
      Map<String, Double> extra = new LinkedHashMap<>();
      byte[] bytes = switch (v) {
        case FP16, INT8 -> WeightQuantizer.quantize(full, v);
        case QDELTA -> {
          if (qdeltaBase.isEmpty()) {
            yield full; // the lineage starts from the fp32 artifact itself
          }
          QuantizedUpdate.Result r = QuantizedUpdate.apply(qdeltaBase.toByteArray(), full, settings.qdeltaStep());
          extra.put(WEIGHTS_CHANGED, r.weights() == 0 ? 0 : (double) r.changed() / r.weights());
          yield r.onnx();
        }
        case FP32 -> throw new IllegalStateException("fp32 is the version itself");
      };
      if (v == Variant.QDELTA) {
        qdelta = ByteString.copyFrom(bytes);
      }
      OnnxSliceMetrics m = OnnxSliceMetrics.measure(bytes, inputs, slice);
      double accuracyChange = m.accuracy() - reference.accuracy();
      double agreementChange = m.agreement() - reference.agreement();
      fp32WithChanges.putMetrics("variant." + v.id() + "." + ACCURACY_CHANGE, accuracyChange);
      Map<String, Double> metrics = new LinkedHashMap<>();
      metrics.put(PromotionGate.EXAMPLES, (double) m.examples());
      metrics.put(PromotionGate.LABELLED, (double) m.labelled());
      metrics.put(PromotionGate.ACCURACY, m.accuracy());
      metrics.put(PromotionGate.AGREEMENT, m.agreement());
      metrics.put(ACCURACY_CHANGE, accuracyChange);
      metrics.put(AGREEMENT_CHANGE, agreementChange);
      metrics.putAll(extra);
      out.add(fp32.toBuilder()
          .setModelName(v.lineage(fp32.getModelName()))
          .clearMetrics().putAllMetrics(metrics)
          .setSha256(ModelVersions.sha256(bytes))
          .setSizeBytes(bytes.length)
          .setOnnx(ByteString.copyFrom(bytes))
          .putLabels("variant", v.id())
          .clearImageSignature()
          .build());
      log.info("{} v{}: {} {} bytes ({} of fp32), validation accuracy {} ({} pt against fp32)", fp32.getModelName(),
          fp32.getVersion(), v.id(), bytes.length, String.format(Locale.ROOT, "%.3f", (double) bytes.length / full.length),
          String.format(Locale.ROOT, "%.4f", m.accuracy()), String.format(Locale.ROOT, "%+.2f", 100 * accuracyChange));
    }
    return new Published(fp32WithChanges.build(), out, qdelta);
  }
}
