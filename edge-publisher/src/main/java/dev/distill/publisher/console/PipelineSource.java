package dev.distill.publisher.console;

/** Where the console's pipeline view comes from: the latest {@link Pipeline}, or why there is none. */
@FunctionalInterface
public interface PipelineSource {
  /** A {@link Pipeline}, or {@code {"available": false, "reason": ...}}; never blocks. */
  Object current();

  /** A publisher without Kafka has no pipeline to show. */
  static PipelineSource unavailable(String reason) {
    Object answer = Pipeline.unavailable(reason);
    return () -> answer;
  }
}
