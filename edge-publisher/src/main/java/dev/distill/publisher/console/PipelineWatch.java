package dev.distill.publisher.console;

import dev.distill.platform.config.KafkaSettings;
import dev.distill.platform.topics.Topics;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the pipeline from Kafka every {@link #INTERVAL} on a daemon thread of its own and keeps the
 * latest {@link Pipeline} for the console: end offsets and consumer groups
 * ({@link OffsetsProbe}), dead letters by reason ({@link DeadLetterCounter}), the teacher in use
 * ({@link LatestTeacher}). Memory is bounded: one reading kept for the rates, counts per reason,
 * a capped number of groups. A poll that fails leaves the page an answer saying why; the next one
 * tries again.
 */
public final class PipelineWatch implements PipelineSource, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PipelineWatch.class);
  /** How often Kafka is read: the page's time step. */
  public static final Duration INTERVAL = Duration.ofSeconds(2);

  private final List<Pipeline.Watched> watched;
  private final OffsetsProbe offsets;
  private final DeadLetterCounter deadLetters;
  private final LatestTeacher teacher;
  private final Clock clock;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile Object current = Pipeline.unavailable("reading the pipeline from Kafka");
  private Pipeline.Reading previous;
  private boolean failing;

  private PipelineWatch(KafkaSettings kafka, Clock clock, String clientId) {
    Topics topics = kafka.topics();
    this.watched = Pipeline.watched(topics);
    this.clock = clock;
    this.offsets = new OffsetsProbe(kafka, watched.stream().map(Pipeline.Watched::topic).toList(),
        Set.of(topics.samples().name(), topics.softTargets().name()), clientId + "-offsets");
    this.deadLetters = DeadLetterCounter.follow(kafka, List.of(topics.samplesDlq(), topics.softTargetsDlq()),
        clientId + "-dlq");
    this.teacher = new LatestTeacher(kafka, topics.softTargets(), clientId + "-teacher");
    this.thread = new Thread(this::run, "publisher-console-pipeline");
    thread.setDaemon(true);
  }

  /** Starts watching the pipeline of these settings' topics. */
  public static PipelineWatch start(KafkaSettings kafka, Clock clock, String clientId) {
    PipelineWatch w = new PipelineWatch(kafka, clock, clientId);
    w.thread.start();
    return w;
  }

  @Override
  public Object current() {
    return current;
  }

  private void run() {
    while (running) {
      long started = System.nanoTime();
      poll();
      long waitMs = INTERVAL.toMillis() - (System.nanoTime() - started) / 1_000_000;
      try {
        Thread.sleep(Math.max(100, waitMs));
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void poll() {
    try {
      Pipeline.Reading now = offsets.read(clock.millis());
      current = Pipeline.of(watched, now, previous, INTERVAL.toMillis(), deadLetters.counts(), teacher.read());
      previous = now;
      if (failing) {
        failing = false;
        log.info("console: reading the pipeline from Kafka again");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running = false;
    } catch (Exception e) {
      if (!running) {
        return;
      }
      if (!failing) { // once per outage, not every poll
        failing = true;
        log.warn("console: cannot read the pipeline from Kafka: {}", e.toString());
      }
      current = Pipeline.unavailable("cannot read the pipeline from Kafka: " + e);
    }
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    deadLetters.close();
    teacher.close();
    offsets.close();
  }
}
