/**
 * The teacher-scorer service (issue #3): every sample on the samples topic becomes exactly one
 * temperature-softened soft target, or one dead letter with its reason, exactly once. {@link
 * dev.distill.scorer.ScorerService} wires the parts ({@code scorer.topology}: the Kafka Streams
 * topology and its exactly-once micro-batching; {@code scorer.teacher}: teachers, softening, hot
 * swap; {@code scorer.onnx}: ONNX Runtime; {@code scorer.sync}: teachers through the teacher topic
 * instead of a shared folder) from a {@link dev.distill.scorer.ScorerSettings};
 * {@link dev.distill.scorer.ScorerMain} and {@code distill scorer} run it as a process.
 */
package dev.distill.scorer;
