package dev.distill.trainer.service;

import dev.distill.contract.proto.OffsetRange;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

/**
 * What the loop has consumed: the next offset per partition (committed with each transaction)
 * and the range of offsets of accepted soft targets over the model's life (its data range, in
 * every version's provenance and every checkpoint).
 */
final class ConsumedOffsets {
  private final Map<TopicPartition, Long> next = new HashMap<>();
  private final Map<TopicPartition, long[]> ranges =
      new TreeMap<>((a, b) -> Integer.compare(a.partition(), b.partition()));

  /** Continues the ranges of the last checkpoint. */
  void restore(List<OffsetRange> committed) {
    for (OffsetRange r : committed) {
      ranges.put(new TopicPartition(r.getTopic(), r.getPartition()), new long[] {r.getFirstOffset(), r.getLastOffset()});
    }
  }

  /** Where the consumer starts on a partition (the committed offset); it is committed again as it stands. */
  void startAt(TopicPartition tp, long offset) {
    next.put(tp, offset);
  }

  /** A record was read (whatever becomes of it). */
  void consumed(TopicPartition tp, long offset) {
    next.put(tp, offset + 1);
  }

  /** A record was accepted as a soft target (trained on or held out). */
  void accepted(TopicPartition tp, long offset) {
    long[] range = ranges.computeIfAbsent(tp, k -> new long[] {offset, offset});
    range[0] = Math.min(range[0], offset);
    range[1] = Math.max(range[1], offset);
  }

  Map<TopicPartition, Long> next() {
    return next;
  }

  List<OffsetRange> ranges() {
    List<OffsetRange> out = new ArrayList<>();
    ranges.forEach((tp, r) -> out.add(OffsetRange.newBuilder().setTopic(tp.topic()).setPartition(tp.partition())
        .setFirstOffset(r[0]).setLastOffset(r[1]).build()));
    return out;
  }
}
