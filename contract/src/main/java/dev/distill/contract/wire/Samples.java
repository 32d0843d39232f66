package dev.distill.contract.wire;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.distill.contract.proto.Sample;

/** Decoding and checking {@link Sample}s, whichever encoding they arrived in. */
public final class Samples {
  public static final String TYPE = Sample.getDescriptor().getFullName();
  /** Longest sample id accepted; ids are Kafka keys and appear in logs. */
  public static final int MAX_ID_LENGTH = 256;

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
    if (!s.hasFeatures()) {
      throw new MalformedMessageException(TYPE, "features", "is missing");
    }
    Tensors.validate(s.getFeatures(), TYPE, "features");
    if (s.hasLabel() && s.getLabel() < 0) {
      throw new MalformedMessageException(TYPE, "label", "must be >= 0, got " + s.getLabel());
    }
  }
}
