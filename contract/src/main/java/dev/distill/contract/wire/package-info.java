/**
 * The wire contract in Java: the generated protobuf messages ({@code dev.distill.contract.proto},
 * from {@code distill/v1/distill.proto}) plus the rules no schema can express: tensor shapes
 * that match their bytes, finite features, distributions that sum to one, and the JSON form of
 * a sample. Every violation is a {@link dev.distill.contract.wire.MalformedMessageException}
 * naming the message type and the field, so that dead-letter reasons and HTTP errors are
 * precise. No Kafka here: a device build or a producer in another JVM project can use it.
 */
package dev.distill.contract.wire;
