/**
 * The publisher's state on Kafka: every replica reads the compacted topics (model archive,
 * rollouts, devices) and the report topic from the beginning into its view, and writes its
 * changes there; new versions arrive on the student-models topic and are copied into the
 * per-version archive, because student-models keeps only the latest version of each model.
 */
package dev.distill.publisher.kafka;
