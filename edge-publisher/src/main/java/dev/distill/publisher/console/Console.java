package dev.distill.publisher.console;

import dev.distill.platform.config.KafkaSettings;
import java.time.Clock;
import java.util.List;

/**
 * What the console reads from, and their lifetime: the pipeline and the candidate decisions, from
 * Kafka, or nothing for a publisher without it. The publisher builds one and closes it.
 */
public final class Console implements AutoCloseable {
  private final PipelineSource pipeline;
  private final CandidateLog candidates;
  private final List<AutoCloseable> resources;

  private Console(PipelineSource pipeline, CandidateLog candidates, List<AutoCloseable> resources) {
    this.pipeline = pipeline;
    this.candidates = candidates;
    this.resources = resources;
  }

  /** Watches the pipeline of these settings' topics and follows their candidates topic. */
  public static Console fromKafka(KafkaSettings kafka, Clock clock, String clientId) {
    PipelineWatch watch = PipelineWatch.start(kafka, clock, clientId + "-console");
    CandidateLog candidates = CandidateLog.follow(kafka, kafka.topics().candidates(), clientId + "-candidates");
    return new Console(watch, candidates, List.of(watch, candidates));
  }

  /** A publisher without Kafka: no pipeline, and only the decisions it is given. */
  public static Console inMemory() {
    return new Console(PipelineSource.unavailable("this publisher runs without Kafka (in memory): no pipeline to show"),
        new CandidateLog(), List.of());
  }

  public PipelineSource pipeline() {
    return pipeline;
  }

  public CandidateLog candidates() {
    return candidates;
  }

  @Override
  public void close() {
    for (AutoCloseable r : resources) {
      try {
        r.close();
      } catch (Exception e) {
        // closing on the way out: the rest still closes
      }
    }
  }
}
