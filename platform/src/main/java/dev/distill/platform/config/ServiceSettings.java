package dev.distill.platform.config;

import java.time.Duration;

/**
 * What every service has: a name for logs and metrics, the side port of its health and
 * metrics endpoint, and how long a graceful shutdown may take.
 *
 * @param httpPort port of {@code /metrics} and {@code /health/*}; 0 picks a free one
 */
public record ServiceSettings(String serviceName, int httpPort, Duration shutdownTimeout) {
  public static final String HTTP_PORT = "DISTILL_HTTP_PORT";
  public static final String SHUTDOWN_TIMEOUT = "DISTILL_SHUTDOWN_TIMEOUT";

  public static ServiceSettings read(ConfigReader r, String serviceName, int defaultPort) {
    return new ServiceSettings(
        serviceName,
        r.intValue(HTTP_PORT, defaultPort, 0, 65535),
        r.duration(SHUTDOWN_TIMEOUT, Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofMinutes(10)));
  }
}
