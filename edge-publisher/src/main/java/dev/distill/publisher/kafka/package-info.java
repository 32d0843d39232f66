/**
 * The publisher's state on Kafka: every replica reads the compacted topics (model archive,
 * rollouts, devices) and the report topic from the beginning into its view, and writes its
 * changes there; new versions arrive on the student-models topic and are copied into the
 * per-version archive, because student-models keeps only the latest version of each model.
 * Rollout state has one writer: the replica elected through the rollout-commands topic
 * ({@link dev.distill.publisher.kafka.RolloutLeadership}), fenced by a fixed transactional id;
 * other replicas queue operators' commands for it ({@link dev.distill.publisher.kafka.KafkaRolloutCommands}).
 */
package dev.distill.publisher.kafka;
