package dev.distill.platform.topics;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import dev.distill.contract.wire.MalformedMessageException;
import java.util.function.Consumer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A serde for one protobuf message type. Reading checks the contract's rules too (via the
 * validator), so a record that decodes but breaks the contract fails here, at the edge, with
 * the field at fault.
 */
public final class ProtoSerde<T extends Message> implements Serde<T> {
  private final String type;
  private final Parser<T> parser;
  private final Consumer<T> validator;

  public ProtoSerde(String type, Parser<T> parser, Consumer<T> validator) {
    this.type = type;
    this.parser = parser;
    this.validator = validator;
  }

  @Override
  public Serializer<T> serializer() {
    return (topic, value) -> value == null ? null : value.toByteArray();
  }

  @Override
  public Deserializer<T> deserializer() {
    return (topic, bytes) -> {
      if (bytes == null) {
        return null; // a tombstone on a compacted topic
      }
      try {
        T value = parser.parseFrom(bytes);
        validator.accept(value);
        return value;
      } catch (InvalidProtocolBufferException e) {
        throw new RecordDecodeException(
            topic,
            new MalformedMessageException(
                type, "", "not a valid protobuf message (" + bytes.length + " bytes): " + e.getMessage(), e));
      } catch (MalformedMessageException e) {
        throw new RecordDecodeException(topic, e);
      }
    };
  }
}
