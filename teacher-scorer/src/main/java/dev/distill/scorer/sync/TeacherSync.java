package dev.distill.scorer.sync;

import dev.distill.contract.proto.TeacherRecord;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.platform.http.Health;
import dev.distill.platform.topics.Topic;
import dev.distill.platform.topics.TopicFollower;
import dev.distill.platform.topics.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a scorer's teacher store in step with the teacher topic, so that every replica rebuilds
 * its store (a local, even empty, folder) from Kafka and needs no shared volume: a reader thread
 * reads the topic from the beginning and then follows it, installing each complete, verified
 * version of one teacher as {@code <store>/<id>/v<N>/} ({@link ChunkAssembler}). The scorer's
 * {@code TeacherPoller} then swaps a new version in as it does for a version written locally.
 *
 * <p>Only records of the configured teacher are written to disk; the others are read and
 * skipped. Meters: {@value #INSTALLED} (versions), {@value #RECEIVED} (chunk bytes of this
 * teacher), {@value #REJECTED} (versions whose bytes did not match their commit, or that differ
 * from the installed version of the same number).
 */
public final class TeacherSync implements AutoCloseable {
  public static final String INSTALLED = "distill.scorer.teacher.sync.installed";
  public static final String RECEIVED = "distill.scorer.teacher.sync.received";
  public static final String REJECTED = "distill.scorer.teacher.sync.rejected";
  private static final Logger log = LoggerFactory.getLogger(TeacherSync.class);

  private final String teacherId;
  private final ChunkAssembler assembler;
  private final Counter installedMeter;
  private final Counter receivedMeter;
  private final Counter rejectedMeter;
  private final AtomicLong installed = new AtomicLong();
  private final Object installs = new Object();
  private final CompletableFuture<Throwable> failed = new CompletableFuture<>();
  private volatile TopicFollower<String, TeacherRecord> follower;

  // VisibleForTesting: the store side alone, fed by tests instead of a topic
  TeacherSync(Path store, String teacherId, MeterRegistry registry) {
    this.teacherId = teacherId;
    this.installedMeter = Counter.builder(INSTALLED).description("teacher versions installed from the teacher topic")
        .baseUnit("versions").tag("teacher", teacherId).register(registry);
    this.receivedMeter = Counter.builder(RECEIVED).description("teacher file bytes read from the teacher topic")
        .baseUnit("bytes").tag("teacher", teacherId).register(registry);
    this.rejectedMeter = Counter.builder(REJECTED)
        .description("teacher versions not installed: bytes unlike their commit, or unlike the installed version")
        .baseUnit("versions").tag("teacher", teacherId).register(registry);
    this.assembler = new ChunkAssembler(store, new ChunkAssembler.Listener() {
      @Override
      public void installed(String id, int version, long bytes) {
        installedMeter.increment();
        synchronized (installs) {
          installed.incrementAndGet();
          installs.notifyAll();
        }
      }

      @Override
      public void rejected(String id, int version, String reason) {
        rejectedMeter.increment();
      }
    });
  }

  /**
   * Starts reading the teacher topic from the beginning into {@code store}.
   *
   * @param teacherId the teacher this scorer scores with; other teachers' records are skipped
   */
  public static TeacherSync start(KafkaSettings kafka, Topics topics, Path store, String teacherId,
      MeterRegistry registry) {
    TeacherSync sync = new TeacherSync(store, teacherId, registry);
    // memory: a fetch holds about two 512 KiB chunk records, never a whole teacher (and at least one
    // record batch even if it were larger, so nothing gets stuck)
    Map<String, Object> fetch = Map.of(
        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Topics.TEACHER_MAX_MESSAGE_BYTES,
        ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Topics.TEACHER_MAX_MESSAGE_BYTES);
    sync.follower = TopicFollower.start(kafka, topics.teachers(), "scorer-teacher-sync", fetch, sync.handler());
    return sync;
  }

  // VisibleForTesting
  TopicFollower.Handler<String, TeacherRecord> handler() {
    return new TopicFollower.Handler<>() {
      @Override
      public void record(String key, TeacherRecord value, long offset) throws Exception {
        if (value == null || !value.getTeacherId().equals(teacherId)) {
          return; // a tombstone, or another teacher's record
        }
        if (value.hasChunk()) {
          receivedMeter.increment(value.getChunk().getData().size());
        }
        assembler.accept(value);
      }

      @Override
      public void failed(Throwable cause) {
        failed.complete(cause);
      }

      @Override
      public void caughtUp() {
        List<String> pending = assembler.pending();
        for (String p : pending) {
          log.warn("teacher {}: not installed (yet)", p);
        }
        log.info("teacher topic read to its end: {} version(s) of {} installed{}", installed.get(), teacherId,
            pending.isEmpty() ? "" : ", " + pending.size() + " not (yet)");
      }
    };
  }

  /** The topic this sync reads. */
  public Topic<String, TeacherRecord> topic() {
    return follower.topic();
  }

  /**
   * Waits until the topic has been read up to where it ended at the start (or the sync stopped).
   *
   * @return whether it has
   */
  public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
    return follower.awaitCaughtUp(timeout);
  }

  public boolean caughtUp() {
    return follower.caughtUp();
  }

  /** Versions installed by this sync so far. */
  public long installedVersions() {
    return installed.get();
  }

  /**
   * Waits until more than {@code seen} versions have been installed, or the time is up.
   *
   * @return whether more have
   */
  public boolean awaitInstalled(long seen, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (installs) {
      while (installed.get() <= seen) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(installs, left);
      }
      return true;
    }
  }

  /** Down once the reader thread has stopped on its own: the store would no longer follow the topic. */
  public Health liveness() {
    if (!follower.alive()) {
      return Health.down("the teacher sync stopped: " + follower.failure().map(Throwable::toString).orElse("?"));
    }
    return Health.up("following " + follower.topic().name() + (follower.caughtUp() ? "" : " (reading to its end)")
        + ", " + installed.get() + " version(s) of " + teacherId + " installed");
  }

  /** Completes with the cause if the reader thread stops on its own (it does not after {@link #close()}). */
  public CompletableFuture<Throwable> failed() {
    return failed;
  }

  @Override
  public void close() {
    TopicFollower<String, TeacherRecord> f = follower;
    if (f != null) {
      f.close();
    }
  }
}
