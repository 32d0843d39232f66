package dev.distill.platform.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operations side port every service opens: {@code /metrics} (Prometheus text format),
 * {@code /health/live} and {@code /health/ready}. It runs on the JDK's HTTP server with two
 * threads of its own, apart from the service's work, so that a busy service still answers its
 * probes and scrapes.
 *
 * <p>Liveness says the process is not wedged; readiness says it is doing its job (for Kafka
 * Streams: RUNNING). A failing check answers 503 with the reason, as JSON.
 */
public final class OpsServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OpsServer.class);

  private final HttpServer server;
  private final ExecutorService executor;
  private final Map<String, HealthCheck> liveness = new LinkedHashMap<>();
  private final Map<String, HealthCheck> readiness = new LinkedHashMap<>();

  private OpsServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Binds and starts the side port.
   *
   * @param port 0 picks a free port (see {@link #port()})
   */
  public static OpsServer start(int port, PrometheusMeterRegistry registry) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(port), 16);
    ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "ops-http");
      t.setDaemon(true);
      return t;
    });
    OpsServer ops = new OpsServer(server, executor);
    server.createContext("/metrics", ex -> {
      if (!"GET".equals(ex.getRequestMethod())) {
        send(ex, 405, "application/json", "{\"code\":\"METHOD_NOT_ALLOWED\",\"message\":\"use GET\"}");
        return;
      }
      send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
    });
    server.createContext("/health/live", ex -> ops.answer(ex, ops.liveness));
    server.createContext("/health/ready", ex -> ops.answer(ex, ops.readiness));
    server.createContext("/", ex -> send(ex, 404, "application/json",
        "{\"code\":\"NOT_FOUND\",\"message\":\"try /metrics, /health/live or /health/ready\"}"));
    server.setExecutor(executor);
    server.start();
    log.info("ops endpoint listening on port {}", ops.port());
    return ops;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public OpsServer liveness(String name, HealthCheck check) {
    synchronized (liveness) {
      liveness.put(name, check);
    }
    return this;
  }

  public OpsServer readiness(String name, HealthCheck check) {
    synchronized (readiness) {
      readiness.put(name, check);
    }
    return this;
  }

  private void answer(HttpExchange ex, Map<String, HealthCheck> checks) throws IOException {
    Map<String, HealthCheck> snapshot;
    synchronized (checks) {
      snapshot = new LinkedHashMap<>(checks);
    }
    boolean up = true;
    StringBuilder body = new StringBuilder("{\"checks\":{");
    boolean first = true;
    for (var e : snapshot.entrySet()) {
      Health h;
      try {
        h = e.getValue().check();
      } catch (RuntimeException err) {
        h = Health.down("check failed: " + err);
      }
      up &= h.up();
      if (!first) {
        body.append(',');
      }
      first = false;
      body.append('"').append(json(e.getKey())).append("\":{\"status\":\"")
          .append(h.up() ? "UP" : "DOWN").append("\",\"detail\":\"").append(json(h.detail())).append("\"}");
    }
    body.append("},\"status\":\"").append(up ? "UP" : "DOWN").append("\"}");
    send(ex, up ? 200 : 503, "application/json", body.toString());
  }

  private static String json(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder sb = new StringBuilder();
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.toString();
  }

  private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
