/**
 * A real single-node Apache Kafka broker (KRaft, combined broker and controller, no ZooKeeper) for the demo
 * and for integration tests, so that everything the project does against Kafka - idempotent and
 * transactional producers, consumer groups, {@code read_committed} reads, crash recovery - is exercised
 * against the genuine broker rather than a mock. {@link dev.distill.kafka.EmbeddedKafka} runs it inside the
 * calling JVM (what {@code distill kafka} uses); {@link dev.distill.kafka.KafkaBrokerProcess} runs the same
 * broker in a child JVM ({@link dev.distill.kafka.BrokerMain}) so a test can SIGKILL it and restart it on
 * the same data and address. Both format their data dir only once and keep it across restarts. This module
 * belongs on the classpath of the CLI and of tests, never on a service's runtime classpath.
 */
package dev.distill.kafka;
