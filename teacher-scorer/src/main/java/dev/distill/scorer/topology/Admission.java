package dev.distill.scorer.topology;

import dev.distill.contract.proto.Sample;
import dev.distill.contract.wire.ContentType;
import dev.distill.contract.wire.MalformedMessageException;
import dev.distill.contract.wire.Samples;
import dev.distill.contract.wire.Tensors;
import dev.distill.scorer.teacher.Teacher;
import java.nio.charset.StandardCharsets;
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

  /** Whether the teacher that scores the batch can take this sample. */
  static void checkFits(Sample s, Teacher t) throws UnscorableSampleException {
    long n = Tensors.elementCount(s.getFeatures());
    if (n != t.inputSize()) {
      throw new UnscorableSampleException(DlqReason.WRONG_SHAPE,
          "features have " + n + " elements (shape " + s.getFeatures().getShapeList() + "), teacher "
              + t.id() + " v" + t.version() + " takes " + t.inputSize());
    }
    if (s.hasLabel() && s.getLabel() >= t.numClasses()) {
      throw new UnscorableSampleException(DlqReason.INVALID,
          "label " + s.getLabel() + " is not a class of teacher " + t.id() + " v" + t.version()
              + " (" + t.numClasses() + " classes)");
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
    boolean lengthVsShape = field.equals("features.data") && e.problem().startsWith("shape ");
    if (field.equals("features.dtype") || field.startsWith("features.shape") || lengthVsShape) {
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
