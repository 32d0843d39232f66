package dev.distill.platform.http;

/** A named probe; it must answer quickly and never block on Kafka. */
@FunctionalInterface
public interface HealthCheck {
  Health check();
}
