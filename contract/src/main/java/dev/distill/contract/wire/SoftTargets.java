package dev.distill.contract.wire;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.distill.contract.proto.SoftTarget;
import dev.distill.contract.proto.TopK;

/** Decoding and checking {@link SoftTarget}s, and the dense form of a top-k target. */
public final class SoftTargets {
  public static final String TYPE = SoftTarget.getDescriptor().getFullName();
  /** Tolerance on the sum of a distribution: float32 rounding over thousands of classes. */
  static final double SUM_TOLERANCE = 1e-3;
  /**
   * Classes a soft target may name, at most: a large language model's vocabulary (about 256k)
   * fits with room; the dense vector of this many is 4 MiB.
   */
  public static final int MAX_CLASSES = 1 << 20;

  private SoftTargets() {}

  public static SoftTarget decode(byte[] bytes) {
    if (bytes == null) {
      throw new MalformedMessageException(TYPE, "", "record value is null");
    }
    SoftTarget t;
    try {
      t = SoftTarget.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new MalformedMessageException(
          TYPE, "", "not a valid protobuf message (" + bytes.length + " bytes): " + e.getMessage(), e);
    }
    validate(t);
    return t;
  }

  public static void validate(SoftTarget t) {
    if (t.getSampleId().isEmpty()) {
      throw new MalformedMessageException(TYPE, "sample_id", "is empty");
    }
    if (t.getNumClasses() < 2 || t.getNumClasses() > MAX_CLASSES) {
      throw new MalformedMessageException(TYPE, "num_classes", "must be within 2.." + MAX_CLASSES + ", got " + t.getNumClasses());
    }
    if (!(t.getTemperature() > 0) || !Float.isFinite(t.getTemperature())) {
      throw new MalformedMessageException(TYPE, "temperature", "must be a positive number, got " + t.getTemperature());
    }
    Samples.validateInputs(t.hasFeatures() ? t.getFeatures() : null, t.getTensorsMap(), TYPE);
    if (t.hasLabel() && (t.getLabel() < 0 || t.getLabel() >= t.getNumClasses())) {
      throw new MalformedMessageException(
          TYPE, "label", "must be in [0, " + t.getNumClasses() + "), got " + t.getLabel());
    }
    if (t.hasTopK() == (t.getProbsCount() > 0)) {
      throw new MalformedMessageException(TYPE, "probs", "exactly one of probs and top_k must be set");
    }
    dense(t); // checks the distribution itself
  }

  /** The sample's inputs by name, as {@link Samples#inputs} gives them. */
  public static java.util.Map<String, dev.distill.contract.proto.Tensor> inputs(SoftTarget t) {
    return Samples.inputs(t.hasFeatures() ? t.getFeatures() : null, t.getTensorsMap());
  }

  /**
   * The full probability vector of a soft target. For a top-k target every class not listed
   * gets an equal share of the residual mass: the teacher said nothing to tell them apart.
   */
  public static float[] dense(SoftTarget t) {
    int n = t.getNumClasses();
    if (n < 2 || n > MAX_CLASSES) {
      // the vector is allocated from this number: a record must not choose how much memory it costs
      throw new MalformedMessageException(TYPE, "num_classes", "must be within 2.." + MAX_CLASSES + ", got " + n);
    }
    float[] p = new float[n];
    if (t.getProbsCount() > 0) {
      if (t.getProbsCount() != n) {
        throw new MalformedMessageException(
            TYPE, "probs", "has " + t.getProbsCount() + " entries, num_classes is " + n);
      }
      for (int i = 0; i < n; i++) {
        p[i] = t.getProbs(i);
      }
    } else {
      TopK k = t.getTopK();
      int listed = k.getIndicesCount();
      if (listed == 0 || listed != k.getProbsCount() || listed > n) {
        throw new MalformedMessageException(
            TYPE, "top_k", "needs 1.." + n + " indices with one probability each, got "
                + listed + " indices and " + k.getProbsCount() + " probabilities");
      }
      boolean[] seen = new boolean[n];
      for (int i = 0; i < listed; i++) {
        int c = k.getIndices(i);
        if (c < 0 || c >= n || seen[c]) {
          throw new MalformedMessageException(TYPE, "top_k.indices[" + i + "]", "invalid or repeated class " + c);
        }
        seen[c] = true;
        p[c] = k.getProbs(i);
      }
      if (listed < n) {
        float share = k.getResidual() / (n - listed);
        for (int c = 0; c < n; c++) {
          if (!seen[c]) {
            p[c] = share;
          }
        }
      }
    }
    double sum = 0;
    for (int i = 0; i < n; i++) {
      if (!Float.isFinite(p[i]) || p[i] < 0) {
        throw new MalformedMessageException(TYPE, "probs[" + i + "]", "must be a finite probability, got " + p[i]);
      }
      sum += p[i];
    }
    if (Math.abs(sum - 1.0) > SUM_TOLERANCE) {
      throw new MalformedMessageException(TYPE, "probs", "must sum to 1, got " + sum);
    }
    return p;
  }
}
