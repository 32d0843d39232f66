package dev.distill.client.agent;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Serves artifacts as the publisher does (ETag, single Range), and misbehaves on request:
 * data without end. Reports are accepted and dropped; {@code /v1/keys} answers what a test sets.
 */
public final class FakeArtifactServer implements AutoCloseable {
  public enum Mode { NORMAL, ENDLESS }

  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

  private final HttpServer server;
  private final Map<String, byte[]> bodies = new ConcurrentHashMap<>();
  private final Map<String, Mode> modes = new ConcurrentHashMap<>();
  private final Map<String, byte[]> deltas = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> busy = new ConcurrentHashMap<>();
  public final AtomicInteger requests = new AtomicInteger();
  /** Requests for a delta, refused or served. */
  public final AtomicInteger deltaRequests = new AtomicInteger();
  private volatile byte[] keys = "{\"keys\":[]}".getBytes(java.nio.charset.StandardCharsets.UTF_8);

  public FakeArtifactServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.setExecutor(Executors.newFixedThreadPool(2));
    server.createContext("/v1/artifacts/", this::artifact);
    server.createContext("/v1/keys", ex -> {
      byte[] body = keys;
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    server.createContext("/v1/devices/", ex -> {
      ex.getRequestBody().readAllBytes();
      byte[] ok = "{\"accepted\":true}".getBytes();
      ex.sendResponseHeaders(202, ok.length);
      ex.getResponseBody().write(ok);
      ex.close();
    });
    server.start();
  }

  public URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** What {@code GET /v1/keys} answers from now on (JSON). */
  public void keys(String json) {
    keys = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Serves {@code body} under the name {@code sha256} (which need not be its hash: tampering). */
  public void put(String sha256, byte[] body, Mode mode) {
    bodies.put(sha256, body);
    modes.put(sha256, mode);
  }

  /**
   * Serves {@code delta} to {@code target} from any base, after answering the first {@code busyFirst}
   * requests for it with {@code 429} and {@code Retry-After: 1}, as a publisher whose delta
   * computations are all taken does.
   */
  public void putDelta(String target, byte[] delta, int busyFirst) {
    deltas.put(target, delta);
    busy.put(target, new AtomicInteger(busyFirst));
  }

  private void artifact(HttpExchange ex) throws IOException {
    requests.incrementAndGet();
    String path = ex.getRequestURI().getPath();
    String sha = path.substring("/v1/artifacts/".length());
    byte[] body = bodies.get(sha);
    String deltaTarget = sha.endsWith("/delta") ? sha.substring(0, sha.length() - "/delta".length()) : null;
    if (deltaTarget != null) {
      deltaRequests.incrementAndGet();
    }
    if (deltaTarget != null && deltas.containsKey(deltaTarget)) {
      if (busy.get(deltaTarget).getAndDecrement() > 0) {
        byte[] err = "{\"code\":\"TOO_MANY_REQUESTS\",\"message\":\"busy\"}".getBytes();
        ex.getResponseHeaders().set("Retry-After", "1");
        ex.sendResponseHeaders(429, err.length);
        ex.getResponseBody().write(err);
        ex.close();
        return;
      }
      byte[] d = deltas.get(deltaTarget);
      ex.sendResponseHeaders(200, d.length);
      ex.getResponseBody().write(d);
      ex.close();
      return;
    }
    if (sha.endsWith("/delta") || body == null) {
      byte[] err = "{\"code\":\"DELTA_UNAVAILABLE\",\"message\":\"none\"}".getBytes();
      ex.sendResponseHeaders(404, err.length);
      ex.getResponseBody().write(err);
      ex.close();
      return;
    }
    Mode mode = modes.get(sha);
    ex.getResponseHeaders().set("ETag", "\"" + sha + "\"");
    try (OutputStream out = ex.getResponseBody()) {
      if (mode == Mode.ENDLESS) {
        ex.sendResponseHeaders(200, 0); // chunked
        byte[] chunk = new byte[8192];
        for (int i = 0; i < 10_000; i++) { // bounded: 80 MB at most, the client stops far earlier
          out.write(chunk);
        }
        return;
      }
      String range = ex.getRequestHeaders().getFirst("Range");
      Matcher m = range == null ? null : RANGE.matcher(range);
      if (m != null && m.matches()) {
        int from = Integer.parseInt(m.group(1));
        ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
        ex.sendResponseHeaders(206, body.length - from);
        out.write(body, from, body.length - from);
        return;
      }
      ex.sendResponseHeaders(200, body.length);
      out.write(body);
    } catch (IOException e) {
      // the client hung up (endless mode, or a proxy cut the connection)
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
