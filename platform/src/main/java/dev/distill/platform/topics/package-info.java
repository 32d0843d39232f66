/**
 * The typed topic catalog: each topic's name, serdes and creation settings as a {@link
 * dev.distill.platform.topics.Topic}, the serdes that decode the wire contract (and fail with
 * a {@link dev.distill.platform.topics.RecordDecodeException} naming topic and field), and
 * the one place that creates topics.
 */
package dev.distill.platform.topics;
