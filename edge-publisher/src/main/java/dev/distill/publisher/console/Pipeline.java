package dev.distill.publisher.console;

import dev.distill.platform.topics.Topics;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * The pipeline at one moment, as the console shows it (the JSON of
 * {@code GET /v1/admin/console/pipeline}; the field names are the page's contract). Built from two
 * consecutive {@link Reading}s by a pure function, so rates and lag are tested without a broker.
 *
 * @param intervalMs how often the pipeline is read: the page's x-axis step
 * @param teacher the teacher of the newest soft target; null before anything was scored
 */
public record Pipeline(boolean available, long atMs, long intervalMs, List<Stage> stages, List<ConsumerLag> consumers,
    DeadLetters deadLetters, Teacher teacher) {

  /** A topic: its end offset summed over partitions and how fast it grew since the last reading (records/s). */
  public record Stage(String name, String topic, long endOffset, double ratePerSec) { }

  /**
   * A consumer group on a data topic: its committed offsets summed over partitions, how far behind
   * the end it is, and how fast it commits (records/s).
   */
  public record ConsumerLag(String group, String topic, long committed, long lag, double ratePerSec) { }

  /** Dead letters of both DLQ topics, by their {@code distill.dlq.reason} header. */
  public record DeadLetters(long total, Map<String, Long> byReason) { }

  /** The teacher behind the newest soft target. */
  public record Teacher(String id, String version, double temperature, long scoredAtMs) { }

  /** A topic the console shows, by its short name. */
  record Watched(String name, String topic) { }

  /**
   * What one poll of Kafka found.
   *
   * @param ends every watched topic's partitions and their end offsets
   * @param committed each consumer group's committed offsets on the data topics
   */
  record Reading(long atMs, Map<TopicPartition, Long> ends, Map<String, Map<TopicPartition, Long>> committed) { }

  /** The topics on the page, in the pipeline's order. */
  static List<Watched> watched(Topics t) {
    return List.of(
        new Watched("samples", t.samples().name()),
        new Watched("soft-targets", t.softTargets().name()),
        new Watched("student-models", t.studentModels().name()),
        new Watched("candidates", t.candidates().name()),
        new Watched("samples.dlq", t.samplesDlq().name()),
        new Watched("soft-targets.dlq", t.softTargetsDlq().name()));
  }

  /**
   * @param before the previous reading, or null: rates are then 0
   */
  static Pipeline of(List<Watched> watched, Reading now, Reading before, long intervalMs, DeadLetters deadLetters,
      Teacher teacher) {
    double seconds = before == null || now.atMs() <= before.atMs() ? 0 : (now.atMs() - before.atMs()) / 1000.0;
    List<Stage> stages = new ArrayList<>();
    for (Watched w : watched) {
      long end = sum(now.ends(), w.topic());
      long was = before == null ? end : sum(before.ends(), w.topic());
      stages.add(new Stage(w.name(), w.topic(), end, rate(end, was, seconds)));
    }
    List<ConsumerLag> consumers = new ArrayList<>();
    now.committed().forEach((group, offsets) -> offsets.keySet().stream().map(TopicPartition::topic).distinct()
        .forEach(topic -> {
          long committed = sum(offsets, topic);
          long lag = 0;
          for (Map.Entry<TopicPartition, Long> e : now.ends().entrySet()) {
            if (e.getKey().topic().equals(topic)) {
              // a partition the group has not committed on is behind by all of it
              lag += Math.max(0, e.getValue() - offsets.getOrDefault(e.getKey(), 0L));
            }
          }
          Map<TopicPartition, Long> old = before == null ? null : before.committed().get(group);
          long was = old == null ? committed : sum(old, topic);
          consumers.add(new ConsumerLag(group, topic, committed, lag, rate(committed, was, seconds)));
        }));
    consumers.sort(Comparator.comparing(ConsumerLag::group).thenComparing(ConsumerLag::topic));
    return new Pipeline(true, now.atMs(), intervalMs, stages, consumers, deadLetters, teacher);
  }

  /** What the page gets without Kafka (an in-memory publisher) or before the first reading. */
  static Map<String, Object> unavailable(String reason) {
    return Map.of("available", false, "reason", reason);
  }

  private static long sum(Map<TopicPartition, Long> offsets, String topic) {
    long sum = 0;
    for (Map.Entry<TopicPartition, Long> e : offsets.entrySet()) {
      if (e.getKey().topic().equals(topic)) {
        sum += e.getValue();
      }
    }
    return sum;
  }

  /** Records per second; 0 when the offsets went back (a topic recreated) or no time passed. */
  private static double rate(long now, long before, double seconds) {
    return seconds <= 0 || now < before ? 0.0 : (now - before) / seconds;
  }
}
