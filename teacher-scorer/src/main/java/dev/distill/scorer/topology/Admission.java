package dev.distill.scorer.topology;

import dev.distill.contract.model.InputBinding;
import dev.distill.contract.model.TeacherManifest;
import dev.distill.contract.proto.Sample;
import dev.distill.contract.proto.Tensor;
import dev.distill.contract.wire.ContentType;
import dev.distill.contract.wire.MalformedMessageException;
import dev.distill.contract.wire.Samples;
import dev.distill.scorer.teacher.Teacher;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.header.Header;

/** Which records can be scored: the checks, in the order a record meets them, and their reason codes. */
final class Admission {
  private Admission() {}

  /** Size, then the contract's decoding and checks (by the record's content-type). */
  static Sample decode(RawRecord r, int maxSampleBytes) throws UnscorableSampleException {
    if (r.value() != null && r.value().length > maxSampleBytes) {
      throw new UnscorableSampleException(DlqReason.OVERSIZED,
          "record value is " + r.value().length + " bytes, at most " + maxSampleBytes + " are scored");
    }
    try {
      return Samples.decode(r.value(), ContentType.fromHeader(contentType(r)));
    } catch (MalformedMessageException e) {
      throw new UnscorableSampleException(classify(e), e.getMessage(), e);
    }
  }

  /**
   * How the teacher that scores the batch takes this sample: for each of its inputs, the sample
   * tensor that feeds it and the per-sample shape it gets ({@link InputBinding}'s rules).
   */
  static Fit fit(Sample s, Teacher t) throws UnscorableSampleException {
    TeacherManifest m = t.manifest();
    Map<String, Tensor> tensors = Samples.inputs(s);
    String[] problem = new String[1];
    String[] names = new String[m.inputs().size()];
    long[][] shapes = new long[names.length][];
    for (int i = 0; i < names.length; i++) {
      names[i] = InputBinding.pick(m, i, tensors, problem);
      if (names[i] != null) {
        shapes[i] = InputBinding.fit(m.inputs().get(i), tensors.get(names[i]), problem);
      }
      if (problem[0] != null) {
        throw new UnscorableSampleException(DlqReason.WRONG_SHAPE,
            "teacher " + t.id() + " v" + t.version() + ": " + problem[0]);
      }
    }
    if (s.hasLabel() && s.getLabel() >= t.numClasses()) {
      throw new UnscorableSampleException(DlqReason.INVALID,
          "label " + s.getLabel() + " is not a class of teacher " + t.id() + " v" + t.version()
              + " (" + t.numClasses() + " classes)");
    }
    return new Fit(names, shapes);
  }

  /**
   * A sample's way into the teacher; samples with the same {@link #key} (same shapes) share one run.
   */
  record Fit(String[] sampleTensors, long[][] shapes) {
    String key() {
      StringBuilder b = new StringBuilder();
      for (long[] s : shapes) {
        b.append(java.util.Arrays.toString(s));
      }
      return b.toString();
    }
  }

  /**
   * The reason code of a contract violation. The contract reports a field and a sentence, not a
   * code, so tensor problems are told apart here by field, and non-finite values by the
   * contract's wording (ScorerTopologyTest pins each case).
   */
  static DlqReason classify(MalformedMessageException e) {
    String field = e.field();
    if (field.isEmpty() || ContentType.HEADER.equals(field)) {
      return DlqReason.UNDECODABLE;
    }
    if (e.problem().endsWith("(must be finite)")) {
      return DlqReason.NON_FINITE;
    }
    String tensor = field.startsWith("tensors[") && field.contains("]") ? field.substring(0, field.indexOf(']') + 1)
        : "features";
    boolean lengthVsShape = field.equals(tensor + ".data") && e.problem().startsWith("shape ");
    if (field.equals(tensor + ".dtype") || field.startsWith(tensor + ".shape") || lengthVsShape) {
      return DlqReason.WRONG_SHAPE;
    }
    return DlqReason.INVALID;
  }

  private static String contentType(RawRecord r) {
    String value = null;
    for (Header h : r.headers()) {
      if (h.key().equals(ContentType.HEADER) && h.value() != null) {
        value = new String(h.value(), StandardCharsets.UTF_8); // the last one wins, as in Kafka's lastHeader
      }
    }
    return value;
  }
}
