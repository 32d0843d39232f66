package dev.distill.contract.wire;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.distill.contract.proto.Sample;
import dev.distill.contract.proto.Tensor;
import java.util.Map;
import java.util.TreeMap;

/** Decoding and checking {@link Sample}s, whichever encoding they arrived in. */
public final class Samples {
  public static final String TYPE = Sample.getDescriptor().getFullName();
  /** Longest sample id accepted; ids are Kafka keys and appear in logs. */
  public static final int MAX_ID_LENGTH = 256;
  /** The name of a sample's lone {@code features} tensor among its inputs. */
  public static final String FEATURES = "features";
  /** Most named tensors one sample may carry. */
  public static final int MAX_TENSORS = 16;

  private Samples() {}

  /**
   * Decodes a record value in the given encoding and checks it.
   *
   * @throws MalformedMessageException naming the field at fault
   */
  public static Sample decode(byte[] bytes, ContentType contentType) {
    if (bytes == null) {
      throw new MalformedMessageException(TYPE, "", "record value is null");
    }
    Sample s =
        switch (contentType) {
          case PROTOBUF -> parseProtobuf(bytes);
          case JSON -> SampleJson.parse(bytes);
        };
    validate(s);
    return s;
  }

  private static Sample parseProtobuf(byte[] bytes) {
    try {
      return Sample.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new MalformedMessageException(
          TYPE, "", "not a valid protobuf message (" + bytes.length + " bytes): " + e.getMessage(), e);
    }
  }

  public static void validate(Sample s) {
    if (s.getId().isEmpty()) {
      throw new MalformedMessageException(TYPE, "id", "is empty");
    }
    if (s.getId().length() > MAX_ID_LENGTH) {
      throw new MalformedMessageException(
          TYPE, "id", "is " + s.getId().length() + " characters, at most " + MAX_ID_LENGTH + " allowed");
    }
    validateInputs(s.hasFeatures() ? s.getFeatures() : null, s.getTensorsMap(), TYPE);
    if (s.hasLabel() && s.getLabel() < 0) {
      throw new MalformedMessageException(TYPE, "label", "must be >= 0, got " + s.getLabel());
    }
  }

  /**
   * A sample's inputs by name, in name order: its named tensors, or its lone {@code features}
   * as the input {@value #FEATURES}.
   */
  public static Map<String, Tensor> inputs(Sample s) {
    return inputs(s.hasFeatures() ? s.getFeatures() : null, s.getTensorsMap());
  }

  static Map<String, Tensor> inputs(Tensor features, Map<String, Tensor> tensors) {
    if (!tensors.isEmpty()) {
      return tensors.size() == 1 ? tensors : new TreeMap<>(tensors); // sorted: messages name them in order
    }
    // called for every sample the scorer takes: the common one-tensor case allocates no tree
    return features == null ? Map.of() : Map.of(FEATURES, features);
  }

  /** The rules of a message's inputs: {@code features} or named {@code tensors}, each a valid tensor. */
  static void validateInputs(Tensor features, Map<String, Tensor> tensors, String type) {
    if (features != null && !tensors.isEmpty()) {
      throw new MalformedMessageException(type, "tensors", "set either features or tensors, not both");
    }
    if (features == null && tensors.isEmpty()) {
      throw new MalformedMessageException(type, "features", "is missing (set features, or tensors by name)");
    }
    if (features != null) {
      Tensors.validate(features, type, "features");
      return;
    }
    if (tensors.size() > MAX_TENSORS) {
      throw new MalformedMessageException(type, "tensors", "has " + tensors.size() + " entries, at most "
          + MAX_TENSORS + " allowed");
    }
    for (Map.Entry<String, Tensor> e : new TreeMap<>(tensors).entrySet()) {
      if (e.getKey().isEmpty() || e.getKey().length() > 128) {
        throw new MalformedMessageException(type, "tensors", "names must be 1 to 128 characters, got '"
            + e.getKey() + "'");
      }
      Tensors.validate(e.getValue(), type, "tensors[" + e.getKey() + "]");
    }
  }
}
