package dev.distill.client.http;

import dev.distill.contract.ota.OtaApi;
import dev.distill.contract.ota.OtaApi.Assignment;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A device's server-sent-event stream of assignments that reconnects by itself: with
 * exponential backoff and jitter (so a restarted publisher is not hit by the whole fleet at
 * once) and with {@code Last-Event-ID}, so the publisher skips an assignment the device
 * already has. Lines are parsed on the HTTP client's executor; no thread waits on a stream.
 */
public final class EventStream implements AutoCloseable {
  private static final Duration MIN_BACKOFF = Duration.ofMillis(500);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  private final PublisherClient client;
  private final String deviceId;
  private final String token;
  private final ScheduledExecutorService scheduler;
  private final Consumer<Assignment> onAssignment;
  private volatile String lastEventId;
  private volatile boolean closed;
  private volatile boolean connected;
  private volatile CompletableFuture<?> inFlight;
  private volatile Flow.Subscription subscription;
  private long backoffMs = MIN_BACKOFF.toMillis();

  public EventStream(PublisherClient client, String deviceId, String token, String lastEventId,
      ScheduledExecutorService scheduler, Consumer<Assignment> onAssignment) {
    this.client = client;
    this.deviceId = deviceId;
    this.token = token;
    this.lastEventId = lastEventId;
    this.scheduler = scheduler;
    this.onAssignment = onAssignment;
  }

  public EventStream open() {
    connect();
    return this;
  }

  /** True while a stream is open (polling can then be rare). */
  public boolean connected() {
    return connected;
  }

  private void connect() {
    if (closed) {
      return;
    }
    HttpRequest.Builder req = PublisherClient.auth(HttpRequest.newBuilder(client.uri(OtaApi.path(OtaApi.EVENTS, deviceId))), token)
        .header("Accept", "text/event-stream").GET();
    if (lastEventId != null) {
      req.header("Last-Event-ID", lastEventId);
    }
    Lines lines = new Lines();
    inFlight = client.http().sendAsync(req.build(), info -> info.statusCode() == 200
            ? HttpResponse.BodySubscribers.fromLineSubscriber(lines)
            : HttpResponse.BodySubscribers.replacing(null))
        .whenComplete((resp, err) -> reconnectLater());
  }

  private synchronized void reconnectLater() {
    connected = false;
    if (closed) {
      return;
    }
    long delay = backoffMs + ThreadLocalRandom.current().nextLong(backoffMs / 2 + 1);
    backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF.toMillis());
    scheduler.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
  }

  private synchronized void resetBackoff() {
    backoffMs = MIN_BACKOFF.toMillis();
  }

  /** Parses the event-stream format (WHATWG HTML §9.2): fields until a blank line dispatches. */
  private final class Lines implements Flow.Subscriber<String> {
    private String event = "message";
    private String id;
    private final StringBuilder data = new StringBuilder();
    private boolean oversized;

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      connected = true;
      resetBackoff();
      if (closed) {
        s.cancel();
        return;
      }
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(String line) {
      if (line.isEmpty()) {
        dispatch();
      } else if (line.startsWith(":")) {
        return; // a keep-alive comment
      } else {
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1);
        if (value.startsWith(" ")) {
          value = value.substring(1);
        }
        switch (field) {
          case "event" -> event = value;
          case "id" -> id = value;
          case "data" -> {
            if (oversized || data.length() + value.length() > PublisherClient.MAX_JSON_BYTES) {
              // larger than any assignment: discarded up to the end of the event, never buffered
              oversized = true;
              data.setLength(0);
              return;
            }
            if (data.length() > 0) {
              data.append('\n');
            }
            data.append(value);
          }
          default -> { } // retry and unknown fields
        }
      }
    }

    private void dispatch() {
      if (data.length() > 0 && OtaApi.ASSIGNMENT_EVENT.equals(event)) {
        try {
          Assignment a = PublisherClient.MAPPER.readValue(data.toString(), Assignment.class);
          if (id != null) {
            lastEventId = id;
          }
          onAssignment.accept(a);
        } catch (IOException | RuntimeException e) {
          // a malformed event is skipped; the next poll corrects the device
        }
      }
      event = "message";
      data.setLength(0);
      oversized = false;
    }

    @Override
    public void onError(Throwable t) {
      connected = false;
    }

    @Override
    public void onComplete() {
      connected = false;
    }
  }

  @Override
  public void close() {
    closed = true;
    Flow.Subscription s = subscription;
    if (s != null) {
      s.cancel();
    }
    CompletableFuture<?> f = inFlight;
    if (f != null) {
      f.cancel(true);
    }
  }
}
