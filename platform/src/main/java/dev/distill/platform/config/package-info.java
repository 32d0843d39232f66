/**
 * Typed configuration from the environment: {@link dev.distill.platform.config.ConfigReader}
 * reads {@code DISTILL_*} variables (and an optional properties file), passes {@code KAFKA_*}
 * through to the clients, redacts secrets, and reports every problem at once. Each service
 * composes its own config record from {@link dev.distill.platform.config.KafkaSettings}, {@link
 * dev.distill.platform.config.ServiceSettings} and its own fields.
 */
package dev.distill.platform.config;
