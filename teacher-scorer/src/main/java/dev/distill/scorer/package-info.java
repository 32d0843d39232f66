/**
 * The teacher-scorer module: the scoring service: a Kafka Streams topology that turns samples into temperature-softened soft targets with ONNX Runtime teachers (issue #3).
 */
package dev.distill.scorer;
