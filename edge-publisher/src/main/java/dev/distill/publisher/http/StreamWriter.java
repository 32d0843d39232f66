package dev.distill.publisher.http;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;

/**
 * The writes of one event stream in the servlet's non-blocking mode, so a client that stops
 * reading cannot hold the thread that writes to thousands of others. What the client has not
 * taken yet waits here, bounded: only the latest event (an assignment supersedes the one
 * before: a device needs only the current one) and one keep-alive. All calls but the
 * container's callbacks come from the owner's one thread; the callbacks hop onto it.
 */
public final class StreamWriter implements WriteListener {
  static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);

  private final ServletOutputStream out;
  private final Executor owner;
  private final Runnable onFailure;
  private byte[] pendingEvent;
  private boolean pendingKeepAlive;
  private boolean unflushed;
  /** When the client last stopped taking bytes; 0 while everything is written. */
  private long stuckSinceNanos;

  /**
   * @param owner the one thread that writes this stream
   * @param onFailure closes the stream (a write failed or the client went away)
   */
  public StreamWriter(ServletOutputStream out, Executor owner, Runnable onFailure) {
    this.out = out;
    this.owner = owner;
    this.onFailure = onFailure;
    out.setWriteListener(this); // from here on writes never block
  }

  /** Sends an event as soon as the client takes it, replacing one it has not taken yet. */
  public void event(byte[] frame) {
    pendingEvent = frame;
    drain();
  }

  /** Sends a keep-alive comment unless something is waiting to be sent anyway. */
  public void keepAlive() {
    if (pendingEvent == null) {
      pendingKeepAlive = true;
    }
    drain();
  }

  /**
   * Whether an event waits for the client: the next {@link #event} would replace it, so a caller
   * that must not lose what it carried folds it into the next one.
   */
  public boolean eventPending() {
    return pendingEvent != null;
  }

  /** Whether the client has taken nothing for longer than {@code nanos}. */
  public boolean stuckLongerThan(long nanos, long nowNanos) {
    return stuckSinceNanos != 0 && nowNanos - stuckSinceNanos > nanos;
  }

  private void drain() {
    try {
      while (out.isReady()) {
        byte[] next = pendingEvent != null ? pendingEvent : pendingKeepAlive ? KEEP_ALIVE : null;
        if (next == null) {
          if (!unflushed) {
            stuckSinceNanos = 0;
            return;
          }
          unflushed = false;
          out.flush();
          continue;
        }
        if (next == pendingEvent) {
          pendingEvent = null;
        } else {
          pendingKeepAlive = false;
        }
        out.write(next);
        unflushed = true;
      }
      // not ready: the container calls onWritePossible once the client has taken the bytes
      if (stuckSinceNanos == 0) {
        stuckSinceNanos = System.nanoTime();
      }
    } catch (IOException | RuntimeException e) {
      onFailure.run();
    }
  }

  @Override
  public void onWritePossible() {
    owner.execute(this::drain);
  }

  @Override
  public void onError(Throwable t) {
    owner.execute(onFailure);
  }
}
