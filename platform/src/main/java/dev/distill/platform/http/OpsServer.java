package dev.distill.platform.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operations side port every service opens: {@code /metrics} (Prometheus text format),
 * {@code /health/live} and {@code /health/ready}, on a Jetty server with a small thread pool of
 * its own, apart from the service's work, so that a busy service still answers its probes and
 * scrapes.
 *
 * <p>Jetty reads requests without blocking: a client that sends its request slowly, or never
 * finishes it, holds a connection but no thread, and is closed after {@link #IDLE_TIMEOUT_MS}
 * of silence; so slow or stuck clients cannot starve the kubelet's probes (the JDK's server,
 * used before, gave each connection a thread while it read the request).
 *
 * <p>Liveness says the process is not wedged; readiness says it is doing its job (for Kafka
 * Streams: RUNNING). A failing check answers 503 with the reason, as JSON.
 */
public final class OpsServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OpsServer.class);
  /** Threads of the ops port: one acceptor, one selector, the rest answer requests. */
  static final int THREADS = 6;
  /** A connection silent this long is closed (the kubelet's probes time out after 1 s by default). */
  static final long IDLE_TIMEOUT_MS = 10_000;
  private static final int MAX_HEADER_BYTES = 8 * 1024;

  private final Server server;
  private final ServerConnector connector;
  private final Map<String, HealthCheck> liveness = new LinkedHashMap<>();
  private final Map<String, HealthCheck> readiness = new LinkedHashMap<>();

  private OpsServer(PrometheusMeterRegistry registry, int port) {
    QueuedThreadPool threads = new QueuedThreadPool(THREADS, THREADS);
    threads.setName("ops-http");
    threads.setDaemon(true);
    this.server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setRequestHeaderSize(MAX_HEADER_BYTES);
    http.setSendServerVersion(false);
    this.connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
    connector.setPort(port);
    connector.setIdleTimeout(IDLE_TIMEOUT_MS);
    server.addConnector(connector);
    server.setHandler(new Handler.Abstract() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) {
        route(registry, request, response, callback);
        return true;
      }
    });
    server.setStopTimeout(1_000);
  }

  /**
   * Binds and starts the side port.
   *
   * @param port 0 picks a free port (see {@link #port()})
   */
  public static OpsServer start(int port, PrometheusMeterRegistry registry) throws IOException {
    OpsServer ops = new OpsServer(registry, port);
    try {
      ops.server.start();
    } catch (Exception e) {
      ops.close();
      throw new IOException("cannot open the ops port " + port + ": " + e.getMessage(), e);
    }
    log.info("ops endpoint listening on port {}", ops.port());
    return ops;
  }

  public int port() {
    return connector.getLocalPort();
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

  private void route(PrometheusMeterRegistry registry, Request request, Response response, Callback callback) {
    String path = Request.getPathInContext(request);
    boolean known = path.equals("/metrics") || path.equals("/health/live") || path.equals("/health/ready");
    if (!known) {
      send(response, callback, 404, "application/json",
          "{\"code\":\"NOT_FOUND\",\"message\":\"try /metrics, /health/live or /health/ready\"}");
    } else if (!"GET".equals(request.getMethod()) && !"HEAD".equals(request.getMethod())) {
      send(response, callback, 405, "application/json", "{\"code\":\"METHOD_NOT_ALLOWED\",\"message\":\"use GET\"}");
    } else if (path.equals("/metrics")) {
      send(response, callback, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
    } else {
      answer(response, callback, path.equals("/health/live") ? liveness : readiness);
    }
  }

  private void answer(Response response, Callback callback, Map<String, HealthCheck> checks) {
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
    send(response, callback, up ? 200 : 503, "application/json", body.toString());
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

  private static void send(Response response, Callback callback, int status, String type, String body) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
    Content.Sink.write(response, true, body, callback);
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      log.warn("stopping the ops port: {}", e.toString());
    }
  }
}
