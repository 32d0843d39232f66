package dev.distill.platform.lifecycle;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a service's parts in reverse order of registration when the JVM is asked to stop
 * (SIGTERM, SIGINT) or when {@link #shutdown()} is called, within a time budget: Kubernetes
 * kills the pod after its grace period, so a part that hangs must not eat the others' time.
 */
public final class GracefulShutdown implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GracefulShutdown.class);

  private final String name;
  private final Duration timeout;
  private final Deque<Named> parts = new ArrayDeque<>();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Thread hook;
  private boolean closing;

  private record Named(String name, AutoCloseable part) {}

  private GracefulShutdown(String name, Duration timeout) {
    this.name = name;
    this.timeout = timeout;
    this.hook = new Thread(this::shutdown, name + "-shutdown");
  }

  /** Creates one and registers it as a JVM shutdown hook. */
  public static GracefulShutdown onSignal(String name, Duration timeout) {
    GracefulShutdown s = new GracefulShutdown(name, timeout);
    Runtime.getRuntime().addShutdownHook(s.hook);
    return s;
  }

  /** Registers a part; parts close last-in, first-out. */
  public synchronized <T extends AutoCloseable> T register(String partName, T part) {
    if (closing) {
      throw new IllegalStateException(name + " is shutting down");
    }
    parts.push(new Named(partName, part));
    return part;
  }

  /** Closes every part, each within what is left of the budget; idempotent. */
  public void shutdown() {
    Deque<Named> toClose;
    synchronized (this) {
      if (closing) {
        awaitQuietly();
        return;
      }
      closing = true;
      toClose = new ArrayDeque<>(parts);
      parts.clear();
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    // a part that overran the budget must not rob the rest of their close call entirely
    long floor = Math.min(TimeUnit.SECONDS.toNanos(1), timeout.toNanos() / 10);
    try {
      for (Named n : toClose) {
        long wait = Math.max(deadline - System.nanoTime(), floor);
        // one thread per part: a part stuck in a non-interruptible call cannot block the next
        ExecutorService closer = Executors.newSingleThreadExecutor(r -> {
          Thread t = new Thread(r, name + "-close-" + n.name());
          t.setDaemon(true);
          return t;
        });
        Future<?> f = closer.submit(() -> {
          n.part().close();
          return null;
        });
        try {
          f.get(wait, TimeUnit.NANOSECONDS);
          log.info("{}: closed {}", name, n.name());
        } catch (TimeoutException e) {
          log.warn("{}: {} did not close within the shutdown budget of {}", name, n.name(), timeout);
          f.cancel(true);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          f.cancel(true);
        } catch (Exception e) {
          log.warn("{}: closing {} failed: {}", name, n.name(), e.toString());
        } finally {
          closer.shutdownNow();
        }
      }
    } finally {
      stopped.countDown();
    }
  }

  /** Blocks until {@link #shutdown()} has finished (e.g. the main thread of a service). */
  public void await() throws InterruptedException {
    stopped.await();
  }

  private void awaitQuietly() {
    try {
      stopped.await(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Shuts down now and removes the JVM hook (for tests and in-process runs). */
  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException alreadyShuttingDown) {
      // the hook is running or has run: shutdown() below just waits for it
    }
    shutdown();
  }
}
