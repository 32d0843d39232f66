package dev.distill.publisher.console;

import dev.distill.publisher.http.AsyncStream;
import dev.distill.publisher.http.Json;
import dev.distill.publisher.http.StreamWriter;
import io.javalin.http.sse.SseClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The console pages' event streams: {@value #PIPELINE} with the pipeline JSON every interval,
 * {@value #MODEL} with {@code {"model": name}} when a model changed (the page then re-reads its
 * learning view), and keep-alive comments. Written the way the devices' streams are
 * ({@link StreamWriter}: non-blocking, a client that stops reading is closed after two
 * keep-alive rounds) by one daemon thread, which owns every console stream: there are few.
 *
 * <p>Nothing the page needs is lost to a slow reader: an event it has not taken yet is replaced by
 * one frame that carries the models it named as well as the newest pipeline. Bounded: at most
 * {@code maxStreams} streams ({@link #reserve} before the response starts) and
 * {@link #MAX_MODELS_PENDING} model names waiting per stream.
 */
public final class ConsoleStreams implements AutoCloseable {
  static final String PIPELINE = "pipeline";
  static final String MODEL = "model";
  static final int MAX_MODELS_PENDING = 256;

  private static final class Stream extends AsyncStream {
    /** What the event the client has not taken yet carries; all on the console thread. */
    final Set<String> models = new LinkedHashSet<>();
    String pipeline;
    StreamWriter writer;

    Stream(SseClient client) {
      super(client);
    }
  }

  private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "publisher-console-streams");
    t.setDaemon(true);
    return t;
  });
  private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
  private final AtomicInteger open = new AtomicInteger();
  /** Models whose event is queued on the console thread. */
  private final Set<String> queued = ConcurrentHashMap.newKeySet();
  private final PipelineSource pipeline;
  private final int maxStreams;
  private final long keepAliveNanos;

  /**
   * @param every how often the pipeline is sent
   * @param keepAlive how often an idle stream gets a comment (proxies close silent ones)
   */
  public ConsoleStreams(PipelineSource pipeline, Duration every, Duration keepAlive, int maxStreams) {
    this.pipeline = pipeline;
    this.maxStreams = maxStreams;
    this.keepAliveNanos = keepAlive.toNanos();
    thread.scheduleWithFixedDelay(this::sendPipeline, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    thread.scheduleWithFixedDelay(this::keepAlive, keepAlive.toMillis(), keepAlive.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Takes a place for a new stream, before its response starts (so concurrent requests cannot all
   * see the same free place); every reserved place must be followed by {@link #open}.
   *
   * @return false when every place is taken
   */
  public boolean reserve() {
    return open.getAndUpdate(n -> n < maxStreams ? n + 1 : n) < maxStreams;
  }

  public int connected() {
    return open.get();
  }

  /** Takes over an accepted stream (its place reserved) and sends the pipeline at once. */
  public void open(SseClient client) {
    Stream s = new Stream(client);
    streams.add(s);
    s.listen(() -> {
      if (streams.remove(s)) {
        open.decrementAndGet();
      }
    });
    client.keepAlive(); // the handler returns without ending the response
    thread.execute(() -> {
      try {
        s.writer = new StreamWriter(client.ctx().res().getOutputStream(), thread, s::close);
      } catch (IOException | RuntimeException e) {
        s.close();
        return;
      }
      send(s, null, pipelineFrame());
    });
  }

  /**
   * A model changed: every open page hears of it. Changes come in bursts (a fleet's reports, a
   * version and then its rollout): while one is queued for a model, further ones ride along.
   */
  public void modelChanged(String model) {
    if (streams.isEmpty() || !queued.add(model)) {
      return;
    }
    try {
      thread.execute(() -> {
        queued.remove(model);
        streams.forEach(s -> send(s, model, null));
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      queued.remove(model); // closed
    }
  }

  private void sendPipeline() {
    if (streams.isEmpty()) {
      return;
    }
    String frame = pipelineFrame();
    streams.forEach(s -> send(s, null, frame));
  }

  private String pipelineFrame() {
    return frame(PIPELINE, Json.json(pipeline.current()));
  }

  /** On the console thread: adds to what the stream's client has not taken and sends it all as one event frame. */
  private void send(Stream s, String model, String pipelineFrame) {
    if (s.done() || s.writer == null) {
      return;
    }
    if (!s.writer.eventPending()) {
      s.models.clear();
      s.pipeline = null;
    }
    if (model != null && (s.models.size() < MAX_MODELS_PENDING || s.models.contains(model))) {
      s.models.add(model);
    }
    if (pipelineFrame != null) {
      s.pipeline = pipelineFrame;
    }
    StringBuilder events = new StringBuilder();
    for (String m : s.models) {
      events.append(frame(MODEL, Json.json(Map.of("model", m))));
    }
    if (s.pipeline != null) {
      events.append(s.pipeline);
    }
    byte[] all = events.toString().getBytes(StandardCharsets.UTF_8);
    try {
      s.writer.event(all);
    } catch (RuntimeException e) {
      s.close();
    }
  }

  private static String frame(String event, String json) {
    return "event: " + event + "\ndata: " + json + "\n\n"; // JSON has no raw newlines: one data line
  }

  private void keepAlive() {
    long now = System.nanoTime();
    for (Stream s : streams) {
      if (s.writer == null) {
        continue;
      }
      if (s.writer.stuckLongerThan(2 * keepAliveNanos, now)) {
        s.close();
      } else {
        s.writer.keepAlive();
      }
    }
  }

  @Override
  public void close() {
    thread.shutdownNow();
    for (Stream s : streams) {
      try {
        s.close();
      } catch (RuntimeException ignored) {
        // the connection is going away either way
      }
    }
  }
}
