package dev.distill.publisher.bench;

import dev.distill.client.http.EventStream;
import dev.distill.client.http.AdminClient;
import dev.distill.client.http.PublisherClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.HdrHistogram.Histogram;

/**
 * The device side of {@link PushBenchmark}, in its own JVM as real devices would be (and with
 * its own file-descriptor budget): registers N devices, holds N event streams on one HTTP
 * client, and answers commands on stdin.
 *
 * <pre>
 * stdin:  ROUND version t0-epoch-micros   (sent right after the version was published)
 * stdout: READY connected
 *         RESULT version notified p50-ms p99-ms max-ms
 * </pre>
 */
public final class SseDevices {
  private SseDevices() {}

  static long micros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
  }

  public static void main(String[] args) throws Exception {
    URI publisher = URI.create(args[0]);
    URI adminApi = URI.create(args[1]);
    String admin = args[2];
    String model = args[3];
    int n = Integer.parseInt(args[4]);
    ExecutorService http = Executors.newFixedThreadPool(2);
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    PublisherClient client = new PublisherClient(PublisherClient.newHttpClient(http), publisher);
    AdminClient registry = new AdminClient(client.http(), adminApi, admin);
    ExecutorService registrars = Executors.newFixedThreadPool(8);
    List<Future<String>> tokens = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String id = "d" + i;
      tokens.add(registrars.submit(() -> registry.register(id, model).token()));
    }
    AtomicLongArray received = new AtomicLongArray(n);
    AtomicLong expected = new AtomicLong(-1);
    List<EventStream> streams = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int d = i;
      streams.add(new EventStream(client, "d" + i, tokens.get(i).get(), null, scheduler, a -> {
        if (a.version() == expected.get()) {
          received.compareAndSet(d, 0, micros());
        }
      }).open());
    }
    registrars.shutdown();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    int connected = 0;
    while (System.nanoTime() < deadline) {
      connected = (int) streams.stream().filter(EventStream::connected).count();
      if (connected == n) {
        break;
      }
      Thread.sleep(200);
    }
    System.out.println("READY " + connected);
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      String[] cmd = line.trim().split(" ");
      if (cmd[0].equals("ARM")) {
        for (int i = 0; i < n; i++) {
          received.set(i, 0);
        }
        expected.set(Long.parseLong(cmd[1]));
      } else if (cmd[0].equals("ROUND")) {
        long t0 = Long.parseLong(cmd[2]);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < until && count(received) < connected) {
          Thread.sleep(20);
        }
        Histogram h = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
        for (int i = 0; i < n; i++) {
          long at = received.get(i);
          if (at != 0) {
            h.recordValue(Math.max(0, at - t0));
          }
        }
        System.out.printf("RESULT %s %d %.1f %.1f %.1f%n", cmd[1], h.getTotalCount(), h.getValueAtPercentile(50) / 1e3,
            h.getValueAtPercentile(99) / 1e3, h.getMaxValue() / 1e3);
        System.out.flush();
      } else if (cmd[0].equals("QUIT")) {
        break;
      }
    }
    streams.forEach(EventStream::close);
    System.exit(0);
  }

  private static int count(AtomicLongArray a) {
    int c = 0;
    for (int i = 0; i < a.length(); i++) {
      c += a.get(i) != 0 ? 1 : 0;
    }
    return c;
  }
}
