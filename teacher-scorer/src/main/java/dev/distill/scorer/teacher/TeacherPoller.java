package dev.distill.scorer.teacher;

import dev.distill.contract.model.TeacherStore;
import dev.distill.contract.model.TeacherVersion;
import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the teacher store for a newer version of one teacher and swaps it in: loaded and
 * validated first, off the scoring threads, so scoring never waits for a load and never sees a
 * half-loaded teacher. A version that fails to load is reported once and skipped; the one in use
 * keeps scoring.
 */
public final class TeacherPoller implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TeacherPoller.class);

  private final TeacherStore store;
  private final String teacherId;
  private final TeacherLoader loader;
  private final LiveTeacher live;
  private final Object pollLock = new Object();
  private final Set<Integer> rejected = new HashSet<>();
  /** Unusable version folders already logged, so each is said once. */
  private final java.util.Set<String> reported = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private ScheduledExecutorService executor;

  public TeacherPoller(TeacherStore store, String teacherId, TeacherLoader loader, LiveTeacher live) {
    this.store = store;
    this.teacherId = teacherId;
    this.loader = loader;
    this.live = live;
  }

  /**
   * Loads the newest version of a teacher, for start-up.
   *
   * @throws TeacherUnavailableException when the store has none, or it cannot be loaded
   */
  public static Teacher loadLatest(TeacherStore store, String teacherId, TeacherLoader loader) {
    Optional<TeacherVersion> latest;
    List<String> problems;
    try {
      latest = store.latest(teacherId);
      problems = store.problems(teacherId);
    } catch (IOException e) {
      throw new TeacherUnavailableException(
          "cannot read the teacher store " + store.root() + ": " + e.getMessage(), e);
    }
    problems.forEach(p -> log.warn("{}", p));
    if (latest.isEmpty()) {
      throw new TeacherUnavailableException(noTeacher(store, teacherId, problems));
    }
    try {
      return loader.load(latest.get());
    } catch (TeacherLoadException e) {
      throw new TeacherUnavailableException("teacher '" + teacherId + "' v" + latest.get().version()
          + " in " + latest.get().dir() + " cannot be used: " + e.getMessage(), e);
    }
  }

  /** What to say when a store has no usable version of a teacher, and how to get one there. */
  public static String noTeacher(TeacherStore store, String teacherId, List<String> problems) {
    return "no usable teacher '" + teacherId + "' in " + store.root()
        + (problems.isEmpty() ? "" : " (" + String.join("; ", problems) + ")")
        + ": import one with `distill teacher import FILE.onnx --id " + teacherId
        + "` or train one with `distill teacher train`";
  }

  /** Polls the store every {@code interval} on a daemon thread of its own. */
  public synchronized TeacherPoller start(Duration interval) {
    if (executor != null) {
      throw new IllegalStateException("already started");
    }
    executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "teacher-poller");
      t.setDaemon(true);
      return t;
    });
    long ms = interval.toMillis();
    executor.scheduleWithFixedDelay(this::pollQuietly, ms, ms, TimeUnit.MILLISECONDS);
    return this;
  }

  /**
   * One look at the store: swaps in the newest version if it is newer than the one in use and
   * loads cleanly.
   *
   * @return true if a new version is now in use
   */
  public boolean pollOnce() throws IOException {
    synchronized (pollLock) {
      return pollLocked();
    }
  }

  private boolean pollLocked() throws IOException {
    Optional<TeacherVersion> latest = store.latest(teacherId);
    for (String problem : store.problems(teacherId)) {
      if (reported.add(problem)) {
        log.warn("{}", problem);
      }
    }
    int inUse = live.current().version();
    if (latest.isEmpty() || latest.get().version() <= inUse || rejected.contains(latest.get().version())) {
      return false;
    }
    TeacherVersion next = latest.get();
    Teacher loaded;
    try {
      loaded = loader.load(next);
    } catch (TeacherLoadException e) {
      rejected.add(next.version());
      log.warn("teacher {} v{} in {} cannot be used, still scoring with v{}: {}",
          teacherId, next.version(), next.dir(), inUse, e.getMessage());
      return false;
    }
    live.swap(loaded);
    log.info("teacher {}: now scoring with v{} ({} member(s), {} classes), was v{}",
        teacherId, loaded.version(), loaded.ensembleSize(), loaded.numClasses(), inUse);
    return true;
  }

  private void pollQuietly() {
    try {
      pollOnce();
    } catch (IOException | RuntimeException e) {
      // a transient file system problem must not stop the polling
      log.warn("teacher {}: cannot poll the store {}: {}", teacherId, store.root(), e.toString());
    }
  }

  @Override
  public synchronized void close() {
    if (executor != null) {
      executor.shutdownNow();
      try {
        executor.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
