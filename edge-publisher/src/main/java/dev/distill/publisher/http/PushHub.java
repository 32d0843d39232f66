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
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open event streams of this replica and the pushing of new assignments down them.
 * Streams are split into a few partitions by device id, each written by one thread only
 * (pushes and keep-alive comments alike), so a stream never sees two writers, a fleet-wide
 * push uses every core, and ten thousand idle streams cost no threads. Writes never block
 * ({@link StreamWriter}): a client that stops reading holds at most one pending event and is
 * closed after two keep-alive rounds without taking anything. Changes to a model
 * coalesce: while a push for it is queued, further changes ride along.
 *
 * <p>Bounded: one stream per device (a new stream replaces the device's old one, which is
 * closed: a device reconnecting after a network change often leaves a half-open stream the
 * server cannot tell from a live one, and refusing the new stream would lock it out until a
 * keep-alive write fails), and at most {@code maxStreams} in all ({@link #admits} says whether a
 * new one fits). A new stream's first event is encoded afresh, so its manifest is newly issued;
 * only the devices of one fleet-wide push share encoded events.
 */
public final class PushHub implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PushHub.class);
  private static final long COALESCE_MS = 20;

  private static final class Stream extends AsyncStream {
    final String deviceId;
    volatile String lastEventId;
    /** Set by the first task on the partition's thread, the only one that uses it. */
    StreamWriter writer;

    Stream(SseClient client, String deviceId, String lastEventId) {
      super(client);
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
  /** The open stream of each device: one at most. */
  private final Map<String, Stream> byDevice = new ConcurrentHashMap<>();
  private final AtomicInteger open = new AtomicInteger();
  private final int maxStreams;
  private final long keepAliveNanos;
  private final Function<String, Function<String, Assignment>> assignments;
  private final Function<Assignment, String> json;
  private final PublisherMetrics metrics;

  /**
   * @param assignments for a model, a function from a device id to the device's current
   *     assignment, asked once a push and used for that push's devices (from several threads)
   * @param json how an assignment is written as event data
   * @param maxStreams open streams at most on this replica
   */
  public PushHub(Function<String, Function<String, Assignment>> assignments, Function<Assignment, String> json,
      PublisherMetrics metrics, Duration keepAlive, int maxStreams) {
    this.assignments = assignments;
    this.maxStreams = maxStreams;
    this.keepAliveNanos = keepAlive.toNanos();
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
    return open.get();
  }

  /**
   * Admits a new stream of this device, before the response starts: it replaces the device's
   * own stream, or takes one of the free places, which is reserved at once (so a flood of
   * concurrent requests cannot all see the same free place). Every admitted request must be
   * followed by {@link #open} with the answer.
   *
   * @return null when there is no place; else whether a place was reserved
   */
  public Boolean admit(String deviceId) {
    if (byDevice.containsKey(deviceId)) {
      return false;
    }
    return reserve() ? true : null;
  }

  private boolean reserve() {
    return open.getAndUpdate(n -> n < maxStreams ? n + 1 : n) < maxStreams;
  }

  private Partition partition(String deviceId) {
    return partitions[Math.floorMod(deviceId.hashCode(), partitions.length)];
  }

  /**
   * Takes over an accepted event stream, closing the device's previous one, and sends the
   * current assignment unless the device has it.
   *
   * @param reserved what {@link #admit} answered: a place was reserved for it
   */
  public void open(SseClient client, String deviceId, String model, String lastEventId, boolean reserved) {
    Stream s = new Stream(client, deviceId, lastEventId);
    Partition p = partition(deviceId);
    Stream old = byDevice.put(deviceId, s);
    if (old != null && reserved) {
      open.decrementAndGet(); // the device's own place, already counted
    } else if (old == null && !reserved && !reserve()) {
      // its old stream closed between admit and now, and the free places went meanwhile
      byDevice.remove(deviceId, s);
      s.close();
      return;
    }
    Set<Stream> streams = p.byModel.computeIfAbsent(model, m -> ConcurrentHashMap.newKeySet());
    streams.add(s);
    s.listen(() -> {
      streams.remove(s);
      if (byDevice.remove(deviceId, s)) {
        open.decrementAndGet();
      }
    });
    client.keepAlive(); // the handler returns without ending the response
    p.writer.execute(() -> {
      if (old != null) {
        old.close(); // on the partition's thread, which owns both: a device's streams share it
      }
      try {
        s.writer = new StreamWriter(client.ctx().res().getOutputStream(), p.writer, s::close);
      } catch (IOException | RuntimeException e) {
        s.close();
        return;
      }
      send(p, s, model, assignments.apply(model), null);
    });
  }

  /** Closes the device's stream, if it has one here (it was deregistered). */
  public void disconnect(String deviceId) {
    Stream s = byDevice.get(deviceId);
    if (s != null) {
      partition(deviceId).writer.execute(s::close);
    }
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
      // shared by this push only: a later stream gets a newly issued manifest
      Map<String, byte[]> frames = new ConcurrentHashMap<>();
      long t0 = System.nanoTime();
      Function<String, Assignment> forDevice = assignments.apply(model);
      AtomicInteger sent = new AtomicInteger();
      AtomicInteger remaining = new AtomicInteger(partitions.length);
      for (Partition p : partitions) {
        p.writer.execute(() -> {
          try {
            for (Stream s : p.byModel.getOrDefault(model, Set.of())) {
              if (send(p, s, model, forDevice, frames)) {
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

  /**
   * @param forDevice the assignments of this push
   * @param frames events already encoded by this push, by event id; null to encode afresh
   * @return whether an event was sent
   */
  private boolean send(Partition p, Stream s, String model, Function<String, Assignment> forDevice,
      Map<String, byte[]> frames) {
    if (s.done()) {
      p.byModel.getOrDefault(model, Set.of()).remove(s);
      return false;
    }
    if (s.writer == null) {
      // opened, and its opening task still queued behind this push: that task sends the
      // assignment current when it runs. Dropping the stream here (as this once did) left it
      // deaf to every later push, seen when a registration's push met the next device's opening
      return false;
    }
    try {
      Assignment a = forDevice.apply(s.deviceId);
      if (a.eventId().equals(s.lastEventId)) {
        return false;
      }
      s.writer.event(frames == null ? frame(a) : frames.computeIfAbsent(a.eventId(), id -> frame(a)));
      s.lastEventId = a.eventId();
      metrics.pushed();
      return true;
    } catch (RuntimeException e) {
      log.debug("push to {} failed: {}", s.deviceId, e.toString());
      s.close();
      return false;
    }
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

  /** Keep-alive comments, and streams whose client has taken nothing for two rounds closed. */
  private void keepAlive(Partition p) {
    long now = System.nanoTime();
    for (Set<Stream> streams : p.byModel.values()) {
      for (Stream s : streams) {
        if (s.done()) {
          streams.remove(s);
        } else if (s.writer != null) {
          if (s.writer.stuckLongerThan(2 * keepAliveNanos, now)) {
            log.debug("closing the stream of {}: it has taken nothing for {} s", s.deviceId, 2 * keepAliveNanos / 1_000_000_000);
            s.close();
          } else {
            s.writer.keepAlive();
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
            s.close();
          } catch (RuntimeException ignored) {
            // the connection is going away either way
          }
        }
      }
    }
  }
}
