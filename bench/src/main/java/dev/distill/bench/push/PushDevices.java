package dev.distill.bench.push;

import dev.distill.client.http.AdminClient;
import dev.distill.client.http.EventStream;
import dev.distill.client.http.PublisherClient;
import dev.distill.contract.ota.OtaApi;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The device side of {@link PushSection}, in a JVM of its own as a fleet would be: registers
 * devices through the admin API, holds one event stream per device (each with its own device's
 * token), and stamps the arrival of each device's assignment. The streams are multiplexed over
 * cleartext HTTP/2, {@code perConnection} to a connection, as an HTTP/2 ingress carries them to
 * the publisher: one TCP connection per device would cap each process below its descriptor limit.
 *
 * <pre>
 * stdin:  GROW n        registers and connects devices up to n in all
 *         ARM version   forgets earlier arrivals; only this version counts from now
 *         WAIT version  waits (at most 60 s) until every connected device has it
 *         QUIT
 * stdout: READY connected registration-seconds connection-seconds
 *         ARMED version
 *         RESULT version notified arrival-micros...   (epoch microseconds, one per notified device)
 * </pre>
 */
public final class PushDevices {
  private final URI api;
  private final AdminClient admin;
  private final String model;
  private final int perConnection;
  private final ExecutorService callbacks = Executors.newFixedThreadPool(2);
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final List<EventStream> streams = new ArrayList<>();
  private final AtomicLongArray arrivals;
  private final AtomicLong expected = new AtomicLong(-1);
  private PublisherClient connection;
  private int onConnection;
  private double registerSeconds;
  private double connectSeconds;

  private PushDevices(URI api, URI adminApi, String adminToken, String model, int perConnection, int max) {
    this.api = api;
    this.admin = new AdminClient(PublisherClient.newHttpClient(callbacks), adminApi, adminToken);
    this.model = model;
    this.perConnection = perConnection;
    this.arrivals = new AtomicLongArray(max);
  }

  static long micros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
  }

  public static void main(String[] args) throws Exception {
    PushDevices d = new PushDevices(URI.create(args[0]), URI.create(args[1]), args[2], args[3], Integer.parseInt(args[4]),
        Integer.parseInt(args[5]));
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      String[] cmd = line.trim().split(" ");
      switch (cmd[0]) {
        case "GROW" -> {
          int connected = d.grow(Integer.parseInt(cmd[1]));
          System.out.printf(Locale.ROOT, "READY %d %.1f %.1f%n", connected, d.registerSeconds, d.connectSeconds);
        }
        case "ARM" -> {
          for (int i = 0; i < d.arrivals.length(); i++) {
            d.arrivals.set(i, 0);
          }
          d.expected.set(Long.parseLong(cmd[1]));
          System.out.println("ARMED " + cmd[1]);
        }
        case "WAIT" -> System.out.println(d.await(Long.parseLong(cmd[1])));
        case "QUIT" -> {
          d.streams.forEach(EventStream::close);
          System.exit(0);
        }
        default -> System.out.println("ERROR unknown command " + cmd[0]);
      }
      System.out.flush();
    }
    System.exit(0);
  }

  /** @return how many streams are connected once all are up, or after 120 s */
  private int grow(int n) throws Exception {
    int from = streams.size();
    long t = System.nanoTime();
    String[] tokens = register(from, n);
    registerSeconds = (System.nanoTime() - t) / 1e9;
    t = System.nanoTime();
    for (int i = from; i < n; i++) {
      streams.add(new EventStream(nextConnection(i, tokens[i - from]), id(i), tokens[i - from], null, scheduler,
          stamp(i)).open());
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    int connected = 0;
    while (System.nanoTime() < deadline) {
      connected = (int) streams.stream().filter(EventStream::connected).count();
      if (connected == n) {
        break;
      }
      Thread.sleep(200);
    }
    connectSeconds = (System.nanoTime() - t) / 1e9;
    return connected;
  }

  private java.util.function.Consumer<OtaApi.Assignment> stamp(int device) {
    return a -> {
      if (a.version() == expected.get()) {
        arrivals.compareAndSet(device, 0, micros());
      }
    };
  }

  private static String id(int i) {
    return "d" + i;
  }

  /** Registers devices [from, n) with up to 64 calls in flight; returns their tokens. */
  private String[] register(int from, int n) throws Exception {
    String[] tokens = new String[n - from];
    Semaphore inFlight = new Semaphore(64);
    List<CompletableFuture<Void>> calls = new ArrayList<>();
    ExecutorService registrars = Executors.newFixedThreadPool(64);
    try {
      for (int i = from; i < n; i++) {
        int d = i;
        inFlight.acquire();
        calls.add(CompletableFuture.runAsync(() -> {
          try {
            tokens[d - from] = admin.registerOrRotate(id(d), model).token();
          } catch (Exception e) {
            throw new IllegalStateException("registering " + id(d) + ": " + e, e);
          } finally {
            inFlight.release();
          }
        }, registrars));
      }
      CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
    } finally {
      registrars.shutdown();
    }
    return tokens;
  }

  /**
   * The HTTP/2 connection device {@code i} streams over. Each connection's first request is made
   * alone and awaited: it upgrades the connection to h2c, and requests sent while none is upgraded
   * yet would each open a connection of their own.
   */
  private PublisherClient nextConnection(int i, String token) throws Exception {
    if (connection == null || onConnection == perConnection) {
      HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).connectTimeout(Duration.ofSeconds(10))
          .executor(callbacks).build();
      HttpResponse<Void> first = h2.send(HttpRequest.newBuilder(api.resolve(OtaApi.path(OtaApi.ASSIGNMENT, id(i))))
          .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.discarding());
      if (first.version() != HttpClient.Version.HTTP_2) {
        throw new IllegalStateException("the publisher did not upgrade to HTTP/2: " + first.version());
      }
      connection = new PublisherClient(h2, api);
      onConnection = 0;
    }
    onConnection++;
    return connection;
  }

  private String await(long version) throws InterruptedException {
    if (version != expected.get()) {
      return "ERROR not armed for " + version;
    }
    int connected = (int) streams.stream().filter(EventStream::connected).count();
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    long[] got;
    do {
      Thread.sleep(20);
      got = arrived();
    } while (got.length < connected && System.nanoTime() < until);
    StringBuilder out = new StringBuilder(16 + got.length * 17).append("RESULT ").append(version).append(' ')
        .append(got.length);
    for (long at : got) {
      out.append(' ').append(at);
    }
    return out.toString();
  }

  private long[] arrived() {
    long[] at = new long[streams.size()];
    int n = 0;
    for (int i = 0; i < at.length; i++) {
      long t = arrivals.get(i);
      if (t != 0) {
        at[n++] = t;
      }
    }
    return Arrays.copyOf(at, n);
  }
}
