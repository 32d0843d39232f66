package dev.distill.contract.wire;

import java.util.Locale;

/**
 * The encodings a record value may use, chosen by the {@code content-type} record header.
 * Protobuf is the default when the header is absent.
 */
public enum ContentType {
  PROTOBUF("application/x-protobuf"),
  JSON("application/json");

  /** Name of the Kafka record header that selects the encoding. */
  public static final String HEADER = "content-type";

  private final String mime;

  ContentType(String mime) {
    this.mime = mime;
  }

  public String mime() {
    return mime;
  }

  /**
   * Parses a header value; parameters after {@code ;} are ignored, a missing header means
   * protobuf.
   *
   * @throws MalformedMessageException for an encoding this system does not read
   */
  public static ContentType fromHeader(String value) {
    if (value == null || value.isBlank()) {
      return PROTOBUF;
    }
    String base = value.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    return switch (base) {
      case "application/x-protobuf", "application/protobuf", "application/vnd.google.protobuf" ->
          PROTOBUF;
      case "application/json", "text/json" -> JSON;
      default ->
          throw new MalformedMessageException(
              "header",
              HEADER,
              "unsupported content-type '" + value + "' (use application/x-protobuf or application/json)");
    };
  }
}
