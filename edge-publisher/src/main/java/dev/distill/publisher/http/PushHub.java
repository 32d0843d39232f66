package dev.distill.publisher.http;

import dev.distill.contract.ota.OtaApi;
import dev.distill.contract.ota.OtaApi.Assignment;
import io.javalin.http.sse.SseClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open event streams of this replica and the pushing of new assignments down them.
 * Streams are split into a few partitions by device id, each written by one thread only
 * (pushes and keep-alive comments alike), so a stream never sees two writers, a fleet-wide
 * push uses every core, and ten thousand idle streams cost no threads. Changes to a model
 * coalesce: while a push for it is queued, further changes ride along.
 */
public final class PushHub implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PushHub.class);
  private static final long COALESCE_MS = 20;
  private static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);

  private static final class Stream {
    final SseClient client;
    final String deviceId;
    volatile String lastEventId;

    Stream(SseClient client, String deviceId, String lastEventId) {
      this.client = client;
      this.deviceId = deviceId;
      this.lastEventId = lastEventId;
    }
  }

  /** One writer thread and the streams it owns, by model. */
  private static final class Partition {
    final ScheduledExecutorService writer;
    final Map<String, Set<Stream>> byModel = new ConcurrentHashMap<>();

    Partition(int i) {
      writer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "publisher-push-" + i);
        t.setDaemon(true);
        return t;
      });
    }
  }

  private final Partition[] partitions;
  private final Set<String> pending = ConcurrentHashMap.newKeySet();
  /** Encoded events by event id; small (one per live assignment), cleared when it grows. */
  private final Map<String, byte[]> frames = new ConcurrentHashMap<>();
  private final BiFunction<String, String, Assignment> assignments;
  private final Function<Assignment, String> json;
  private final PublisherMetrics metrics;

  /**
   * @param assignments (device id, model) to the device's current assignment
   * @param json how an assignment is written as event data
   */
  public PushHub(BiFunction<String, String, Assignment> assignments, Function<Assignment, String> json,
      PublisherMetrics metrics, Duration keepAlive) {
    this.assignments = assignments;
    this.json = json;
    this.metrics = metrics;
    this.partitions = new Partition[Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()))];
    for (int i = 0; i < partitions.length; i++) {
      Partition p = new Partition(i);
      partitions[i] = p;
      p.writer.scheduleWithFixedDelay(() -> keepAlive(p), keepAlive.toMillis(), keepAlive.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  public int connected() {
    int n = 0;
    for (Partition p : partitions) {
      for (Set<Stream> s : p.byModel.values()) {
        n += s.size();
      }
    }
    return n;
  }

  private Partition partition(String deviceId) {
    return partitions[Math.floorMod(deviceId.hashCode(), partitions.length)];
  }

  /** Takes over an accepted event stream and sends the current assignment unless the device has it. */
  public void open(SseClient client, String deviceId, String model, String lastEventId) {
    Stream s = new Stream(client, deviceId, lastEventId);
    Partition p = partition(deviceId);
    Set<Stream> streams = p.byModel.computeIfAbsent(model, m -> ConcurrentHashMap.newKeySet());
    streams.add(s);
    client.onClose(() -> streams.remove(s));
    client.keepAlive();
    p.writer.execute(() -> send(p, s, model));
  }

  /**
   * Something about a model changed: re-evaluate the assignments of its connected devices.
   * Changes come in bursts (a version, then its rollout a few milliseconds later): a short
   * delay lets one pass over the streams serve the whole burst.
   */
  public void changed(String model) {
    if (!pending.add(model)) {
      return;
    }
    partitions[0].writer.schedule(() -> {
      pending.remove(model);
      if (frames.size() > 64) {
        frames.clear();
      }
      long t0 = System.nanoTime();
      AtomicInteger sent = new AtomicInteger();
      AtomicInteger remaining = new AtomicInteger(partitions.length);
      for (Partition p : partitions) {
        p.writer.execute(() -> {
          try {
            for (Stream s : p.byModel.getOrDefault(model, Set.of())) {
              if (send(p, s, model)) {
                sent.incrementAndGet();
              }
            }
          } finally {
            if (remaining.decrementAndGet() == 0 && sent.get() >= 100) {
              log.info("model {}: pushed {} assignments in {} ms", model, sent.get(), (System.nanoTime() - t0) / 1_000_000);
            }
          }
        });
      }
    }, COALESCE_MS, TimeUnit.MILLISECONDS);
  }

  /** @return whether an event was sent */
  private boolean send(Partition p, Stream s, String model) {
    if (s.client.terminated()) {
      p.byModel.getOrDefault(model, Set.of()).remove(s);
      return false;
    }
    try {
      Assignment a = assignments.apply(s.deviceId, model);
      if (a.eventId().equals(s.lastEventId)) {
        return false;
      }
      write(s.client, frames.computeIfAbsent(a.eventId(), id -> frame(a)));
      s.lastEventId = a.eventId();
      metrics.pushed();
      return true;
    } catch (IOException | RuntimeException e) {
      log.debug("push to {} failed: {}", s.deviceId, e.toString());
      s.client.close();
      return false;
    }
  }

  /** Straight to the servlet response, as Javalin's own emitter does (its context stream may buffer). */
  private static void write(SseClient client, byte[] bytes) throws IOException {
    var res = client.ctx().res();
    res.getOutputStream().write(bytes);
    res.flushBuffer();
  }

  /**
   * One event as bytes. Devices with the same assignment get the same bytes (the device id is
   * left out: a device knows it), so a fleet-wide push encodes once and then only writes.
   */
  private byte[] frame(Assignment a) {
    Assignment shared = new Assignment(null, a.model(), a.version(), a.sha256(), a.length(), a.rolloutId(), a.rollback(),
        a.manifest(), a.artifactPath(), a.pollAfterSeconds(), a.publishedAtMs(), a.eventId());
    String data = json.apply(shared); // JSON has no raw newlines: one data line
    return ("id: " + a.eventId() + "\nevent: " + OtaApi.ASSIGNMENT_EVENT + "\ndata: " + data + "\n\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  private void keepAlive(Partition p) {
    for (Set<Stream> streams : p.byModel.values()) {
      for (Stream s : streams) {
        if (s.client.terminated()) {
          streams.remove(s);
        } else {
          try {
            write(s.client, KEEP_ALIVE);
          } catch (IOException | RuntimeException ex) {
            s.client.close();
          }
        }
      }
    }
  }

  @Override
  public void close() {
    for (Partition p : partitions) {
      p.writer.shutdownNow();
      for (Set<Stream> streams : p.byModel.values()) {
        for (Stream s : streams) {
          try {
            s.client.close();
          } catch (RuntimeException ignored) {
            // the connection is going away either way
          }
        }
      }
    }
  }
}
