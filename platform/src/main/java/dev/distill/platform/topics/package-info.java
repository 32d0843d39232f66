/**
 * The typed topic catalog: each topic's name, serdes and creation settings as a {@link
 * dev.distill.platform.topics.Topic}, the serdes that decode the wire contract (and fail with
 * a {@link dev.distill.platform.topics.RecordDecodeException} naming topic and field), the
 * one place that creates topics, and {@link dev.distill.platform.topics.TopicFollower}, which
 * reads a topic from its beginning to rebuild local state and then follows it.
 */
package dev.distill.platform.topics;
