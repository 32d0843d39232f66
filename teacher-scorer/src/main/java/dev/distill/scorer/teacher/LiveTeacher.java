package dev.distill.scorer.teacher;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The teacher in use, swappable while batches are being scored. Each version is reference
 * counted: the provider holds one reference while the version is current and every open lease
 * holds one; a swapped-out version is closed when its last batch releases it, never under a
 * running batch.
 */
public final class LiveTeacher implements TeacherProvider, AutoCloseable {
  private final AtomicReference<Held> current;

  public LiveTeacher(Teacher initial) {
    this.current = new AtomicReference<>(new Held(initial));
  }

  @Override
  public Lease acquire() {
    while (true) {
      Held h = current.get();
      if (h.retain()) {
        return new OneLease(h);
      }
      // h was swapped out and released between get() and retain(): read the new current
    }
  }

  /** The version that the next batch will get (for logs, metrics and health). */
  public Teacher current() {
    return current.get().teacher;
  }

  /**
   * Makes {@code next} current; the previous version is closed once no lease holds it.
   *
   * @return the version swapped out (possibly still in use by a batch; do not close it)
   */
  public Teacher swap(Teacher next) {
    Held old = current.getAndSet(new Held(next));
    old.releaseOnce();
    return old.teacher;
  }

  /** Releases the current version; it closes when the last lease on it is closed. */
  @Override
  public void close() {
    current.get().releaseOnce();
  }

  private static final class Held {
    final Teacher teacher;
    /** 1 for being current, plus one per open lease; 0 means closed. */
    final AtomicInteger refs = new AtomicInteger(1);
    final AtomicBoolean providerReleased = new AtomicBoolean();

    Held(Teacher teacher) {
      this.teacher = teacher;
    }

    boolean retain() {
      while (true) {
        int r = refs.get();
        if (r == 0) {
          return false;
        }
        if (refs.compareAndSet(r, r + 1)) {
          return true;
        }
      }
    }

    void release() {
      if (refs.decrementAndGet() == 0) {
        teacher.close();
      }
    }

    /** The provider's own reference, released at most once (swap or close). */
    void releaseOnce() {
      if (providerReleased.compareAndSet(false, true)) {
        release();
      }
    }
  }

  private static final class OneLease implements Lease {
    private final Held held;
    private final AtomicBoolean closed = new AtomicBoolean();

    OneLease(Held held) {
      this.held = held;
    }

    @Override
    public Teacher teacher() {
      if (closed.get()) {
        throw new IllegalStateException("lease already closed");
      }
      return held.teacher;
    }

    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) {
        held.release();
      }
    }
  }
}
