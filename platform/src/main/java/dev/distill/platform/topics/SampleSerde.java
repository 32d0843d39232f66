package dev.distill.platform.topics;

import dev.distill.contract.proto.Sample;
import dev.distill.contract.wire.ContentType;
import dev.distill.contract.wire.MalformedMessageException;
import dev.distill.contract.wire.Samples;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Samples arrive as protobuf or as JSON, chosen by the {@code content-type} record header;
 * both decode to the same {@link Sample}. Written samples are always protobuf and say so in
 * the header.
 */
public final class SampleSerde implements Serde<Sample> {

  @Override
  public Serializer<Sample> serializer() {
    return new Serializer<>() {
      @Override
      public byte[] serialize(String topic, Sample value) {
        return value == null ? null : value.toByteArray();
      }

      @Override
      public byte[] serialize(String topic, Headers headers, Sample value) {
        if (headers != null && value != null) {
          headers.remove(ContentType.HEADER);
          headers.add(ContentType.HEADER, ContentType.PROTOBUF.mime().getBytes(StandardCharsets.UTF_8));
        }
        return serialize(topic, value);
      }
    };
  }

  @Override
  public Deserializer<Sample> deserializer() {
    return new Deserializer<>() {
      @Override
      public Sample deserialize(String topic, byte[] data) {
        return decode(topic, data, ContentType.PROTOBUF);
      }

      @Override
      public Sample deserialize(String topic, Headers headers, byte[] data) {
        try {
          return decode(topic, data, contentType(headers));
        } catch (MalformedMessageException e) {
          throw new RecordDecodeException(topic, e);
        }
      }
    };
  }

  static ContentType contentType(Headers headers) {
    if (headers == null) {
      return ContentType.PROTOBUF;
    }
    Header h = headers.lastHeader(ContentType.HEADER);
    return ContentType.fromHeader(h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8));
  }

  private static Sample decode(String topic, byte[] data, ContentType type) {
    try {
      return Samples.decode(data, type);
    } catch (MalformedMessageException e) {
      throw new RecordDecodeException(topic, e);
    }
  }
}
