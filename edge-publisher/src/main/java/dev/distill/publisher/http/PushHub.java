package dev.distill.publisher.http;

import dev.distill.contract.ota.OtaApi;
import dev.distill.contract.ota.OtaApi.Assignment;
import io.javalin.http.sse.SseClient;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open event streams of this replica and the pushing of new assignments down them. One
 * thread does all the writing (pushes and keep-alive comments): a stream is written by one
 * thread only, and ten thousand idle streams cost no threads at all. Changes to a model
 * coalesce: while a push for it is queued, further changes ride along.
 */
public final class PushHub implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PushHub.class);

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

  private final Map<String, Set<Stream>> byModel = new ConcurrentHashMap<>();
  private final Set<String> pending = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService writer;
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
    this.writer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "publisher-push");
      t.setDaemon(true);
      return t;
    });
    writer.scheduleWithFixedDelay(this::keepAlive, keepAlive.toMillis(), keepAlive.toMillis(), TimeUnit.MILLISECONDS);
  }

  public int connected() {
    int n = 0;
    for (Set<Stream> s : byModel.values()) {
      n += s.size();
    }
    return n;
  }

  /** Takes over an accepted event stream and sends the current assignment unless the device has it. */
  public void open(SseClient client, String deviceId, String model, String lastEventId) {
    Stream s = new Stream(client, deviceId, lastEventId);
    Set<Stream> streams = byModel.computeIfAbsent(model, m -> ConcurrentHashMap.newKeySet());
    streams.add(s);
    client.onClose(() -> streams.remove(s));
    client.keepAlive();
    writer.execute(() -> send(s, model));
  }

  /** Something about a model changed: re-evaluate the assignments of its connected devices. */
  public void changed(String model) {
    if (pending.add(model)) {
      writer.execute(() -> {
        pending.remove(model);
        for (Stream s : byModel.getOrDefault(model, Set.of())) {
          send(s, model);
        }
      });
    }
  }

  private void send(Stream s, String model) {
    if (s.client.terminated()) {
      byModel.getOrDefault(model, Set.of()).remove(s);
      return;
    }
    try {
      Assignment a = assignments.apply(s.deviceId, model);
      if (a.eventId().equals(s.lastEventId)) {
        return;
      }
      s.client.sendEvent(OtaApi.ASSIGNMENT_EVENT, json.apply(a), a.eventId());
      s.lastEventId = a.eventId();
      metrics.pushed();
    } catch (RuntimeException e) {
      log.debug("push to {} failed: {}", s.deviceId, e.toString());
      s.client.close();
    }
  }

  private void keepAlive() {
    for (var e : byModel.entrySet()) {
      for (Stream s : e.getValue()) {
        if (s.client.terminated()) {
          e.getValue().remove(s);
        } else {
          try {
            s.client.sendComment("keep-alive");
          } catch (RuntimeException ex) {
            s.client.close();
          }
        }
      }
    }
  }

  @Override
  public void close() {
    writer.shutdownNow();
    for (Set<Stream> streams : byModel.values()) {
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
