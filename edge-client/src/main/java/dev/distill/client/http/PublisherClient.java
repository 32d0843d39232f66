package dev.distill.client.http;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.distill.contract.ota.OtaApi;
import dev.distill.contract.ota.OtaApi.ApiError;
import dev.distill.contract.ota.OtaApi.Assignment;
import dev.distill.contract.ota.OtaApi.Keys;
import dev.distill.contract.ota.OtaApi.Report;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

/** Calls of the publisher's API. Thread-safe; share one per process. */
public final class PublisherClient {
  static final ObjectMapper MAPPER = JsonMapper.builder()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  /**
   * The largest JSON answer read (1 MiB; an assignment is about 1 KB): a hostile or broken
   * server that sends an endless body is cut off instead of filling the device's memory.
   */
  public static final int MAX_JSON_BYTES = 1 << 20;

  private final HttpClient http;
  private final URI base;
  /** Every body byte received by downloads, for transfer accounting. */
  private final AtomicLong downloadedBytes = new AtomicLong();

  private final Duration stallTimeout;

  public PublisherClient(HttpClient http, URI base) {
    this(http, base, Duration.ofSeconds(30));
  }

  /** @param stallTimeout a download that receives nothing for this long is abandoned (and resumed later) */
  public PublisherClient(HttpClient http, URI base, Duration stallTimeout) {
    this.http = http;
    this.base = base;
    this.stallTimeout = stallTimeout;
  }

  /** An HTTP/1.1 client whose callbacks run on {@code executor} (keep it small: it only parses). */
  public static HttpClient newHttpClient(Executor executor) {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10))
        .executor(executor).build();
  }

  public HttpClient http() {
    return http;
  }

  public URI base() {
    return base;
  }

  public long downloadedBytes() {
    return downloadedBytes.get();
  }

  URI uri(String path) {
    return base.resolve(path);
  }

  public Keys keys() throws PublisherException {
    return call(HttpRequest.newBuilder(uri(OtaApi.KEYS)).GET(), Keys.class);
  }

  public Assignment assignment(String deviceId, String token) throws PublisherException {
    return call(auth(HttpRequest.newBuilder(uri(OtaApi.path(OtaApi.ASSIGNMENT, deviceId))), token).GET(), Assignment.class);
  }

  public void report(String deviceId, String token, Report report) throws PublisherException {
    call(json(auth(HttpRequest.newBuilder(uri(OtaApi.path(OtaApi.REPORTS, deviceId))), token), report), Map.class);
  }

  /**
   * Downloads an artifact into {@code part}, resuming from what it already holds (Range with
   * If-Range on the ETag, so a changed artifact restarts from zero). Reads at most
   * {@code length + 1} bytes in all: a server that sends more than the signed length is cut
   * off, not believed.
   *
   * @return the number of body bytes received by this call
   * @throws DownloadException when the connection fails (the part file is kept for the next try)
   *     or the body is longer than {@code length}
   */
  public long download(String sha256, String token, Path part, long length) throws DownloadException {
    long have;
    try {
      have = Files.exists(part) ? Files.size(part) : 0;
    } catch (IOException e) {
      throw new DownloadException("cannot read " + part + ": " + e.getMessage(), false, e);
    }
    if (have > length) {
      throw new DownloadException("partial download is already longer than the signed length", true, null);
    }
    if (have == length && length > 0) {
      return 0;
    }
    HttpRequest.Builder req = auth(HttpRequest.newBuilder(uri(OtaApi.path(OtaApi.ARTIFACT, sha256))), token)
        .timeout(TIMEOUT).GET();
    if (have > 0) {
      req.header("Range", "bytes=" + have + "-").header("If-Range", "\"" + sha256 + "\"");
    }
    long[] received = {0};
    try {
      HttpResponse<Flow.Publisher<List<ByteBuffer>>> resp = http.send(req.build(), HttpResponse.BodyHandlers.ofPublisher());
      boolean append;
      if (resp.statusCode() == 206) {
        append = true;
      } else if (resp.statusCode() == 200) {
        append = false;
        have = 0;
      } else {
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        drain(resp.body(), 4096, (b, n) -> err.write(b, 0, n), received);
        throw new DownloadException("download answered " + resp.statusCode() + ": " + err, false, null);
      }
      long limit = length - have; // what may still come
      try (OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
        if (!drain(resp.body(), limit, (b, n) -> out.write(b, 0, n), received)) {
          out.close();
          Files.deleteIfExists(part);
          throw new DownloadException("the server sent more than the signed length of " + length + " bytes", true, null);
        }
      }
      return received[0];
    } catch (IOException e) {
      throw new DownloadException("download interrupted after " + received[0] + " bytes: " + e.getMessage(), false, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DownloadException("interrupted", false, e);
    }
  }

  private interface Sink {
    void write(byte[] b, int n) throws IOException;
  }

  private static final Object END = new Object();

  /**
   * Reads a body into {@code sink}, at most {@code limit} bytes. The JDK client has no read
   * timeout for bodies, so a connection that stops sending without closing would hold the
   * caller forever: here a gap of {@link #stallTimeout} without data ends the download (the
   * part file stays, the next try resumes).
   *
   * @return false when the body was longer than {@code limit} (reading stops there)
   */
  private boolean drain(Flow.Publisher<List<ByteBuffer>> body, long limit, Sink sink, long[] received)
      throws IOException, InterruptedException {
    BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    AtomicReference<Flow.Subscription> subscription = new AtomicReference<>();
    body.subscribe(new Flow.Subscriber<>() {
      @Override
      public void onSubscribe(Flow.Subscription s) {
        subscription.set(s);
        s.request(1);
      }

      @Override
      public void onNext(List<ByteBuffer> item) {
        queue.add(item);
      }

      @Override
      public void onError(Throwable t) {
        queue.add(t);
      }

      @Override
      public void onComplete() {
        queue.add(END);
      }
    });
    long count = 0;
    byte[] buf = new byte[64 * 1024];
    try {
      while (true) {
        Object item = queue.poll(stallTimeout.toMillis(), TimeUnit.MILLISECONDS);
        if (item == null) {
          throw new IOException("no data for " + stallTimeout.toSeconds() + " s");
        }
        if (item == END) {
          return true;
        }
        if (item instanceof Throwable t) {
          throw t instanceof IOException io ? io : new IOException(t);
        }
        @SuppressWarnings("unchecked")
        List<ByteBuffer> buffers = (List<ByteBuffer>) item;
        for (ByteBuffer b : buffers) {
          while (b.hasRemaining()) {
            int n = Math.min(b.remaining(), buf.length);
            b.get(buf, 0, n);
            count += n;
            received[0] += n;
            downloadedBytes.addAndGet(n);
            if (count > limit) {
              return false;
            }
            sink.write(buf, n);
          }
        }
        subscription.get().request(1);
      }
    } finally {
      Flow.Subscription s = subscription.get();
      if (s != null) {
        s.cancel(); // a no-op after completion; stops an endless or stalled body
      }
    }
  }

  /** The delta from an installed artifact, or empty when the publisher has none (fall back to the full one). */
  public Optional<byte[]> delta(String targetSha256, String baseSha256, String token, long maxBytes)
      throws PublisherException, DeltaBusyException {
    URI u = uri(OtaApi.path(OtaApi.DELTA, targetSha256) + "?from=" + baseSha256);
    try {
      HttpResponse<Flow.Publisher<List<ByteBuffer>>> resp = http.send(auth(HttpRequest.newBuilder(u), token)
          .timeout(TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofPublisher());
      if (resp.statusCode() == 429) {
        drain(resp.body(), 4096, (b, n) -> { }, new long[1]);
        long seconds = resp.headers().firstValue("Retry-After").map(PublisherClient::seconds).orElse(5L);
        throw new DeltaBusyException(Duration.ofSeconds(seconds));
      }
      java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
      boolean fits = drain(resp.body(), resp.statusCode() == 200 ? maxBytes : 4096, (b, n) -> body.write(b, 0, n), new long[1]);
      return resp.statusCode() == 200 && fits ? Optional.of(body.toByteArray()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PublisherException(0, "INTERRUPTED", "interrupted");
    }
  }

  /**
   * A Retry-After in seconds, at most an hour (a larger figure, up to the overflow of a
   * Duration's milliseconds, is the publisher's mistake); anything else (an HTTP date, garbage)
   * counts as 5 s.
   */
  static long seconds(String value) {
    try {
      return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(0, Long.parseLong(value.trim())));
    } catch (NumberFormatException e) {
      return 5;
    }
  }

  static final long MAX_RETRY_AFTER_SECONDS = 3600;

  static HttpRequest.Builder auth(HttpRequest.Builder b, String token) {
    return b.header("Authorization", "Bearer " + token);
  }

  /** A POST of {@code body} as JSON (another method: {@code .method(m, bodyOf(body))} after this). */
  static HttpRequest.Builder json(HttpRequest.Builder b, Object body) throws PublisherException {
    return b.header("Content-Type", "application/json").POST(bodyOf(body));
  }

  static HttpRequest.BodyPublisher bodyOf(Object body) throws PublisherException {
    try {
      return HttpRequest.BodyPublishers.ofByteArray(MAPPER.writeValueAsBytes(body));
    } catch (IOException e) {
      throw new PublisherException(0, "CLIENT", "cannot write JSON: " + e.getMessage());
    }
  }

  private <T> T call(HttpRequest.Builder req, Class<T> type) throws PublisherException {
    return call(http, req, type);
  }

  /** Sends a request and reads its JSON answer; a non-2xx answer becomes a {@link PublisherException} with its code. */
  static <T> T call(HttpClient http, HttpRequest.Builder req, Class<T> type) throws PublisherException {
    try {
      HttpResponse<InputStream> resp = http.send(req.timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofInputStream());
      byte[] body;
      try (InputStream in = resp.body()) {
        body = in.readNBytes(MAX_JSON_BYTES + 1);
      }
      if (body.length > MAX_JSON_BYTES) {
        throw new PublisherException(resp.statusCode(), "RESPONSE_TOO_LARGE",
            "the answer is longer than " + MAX_JSON_BYTES + " bytes; not read");
      }
      if (resp.statusCode() / 100 != 2) {
        ApiError err;
        try {
          err = MAPPER.readValue(body, ApiError.class);
        } catch (IOException notJson) {
          err = new ApiError("HTTP_" + resp.statusCode(), new String(body, java.nio.charset.StandardCharsets.UTF_8));
        }
        throw new PublisherException(resp.statusCode(), err.code(), err.message());
      }
      if (body.length == 0) {
        return null; // 204: nothing to read
      }
      return MAPPER.readValue(body, type);
    } catch (IOException e) {
      throw new PublisherException(0, "UNREACHABLE", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PublisherException(0, "INTERRUPTED", "interrupted");
    }
  }
}
