/**
 * The operations side of every service: the Prometheus registry with JVM and Kafka client
 * binders ({@link dev.distill.platform.http.Metrics}) and the side port that serves {@code
 * /metrics} and the liveness and readiness probes ({@link dev.distill.platform.http.OpsServer}).
 */
package dev.distill.platform.http;
