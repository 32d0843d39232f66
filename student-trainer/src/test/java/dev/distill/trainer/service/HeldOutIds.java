package dev.distill.trainer.service;

import dev.distill.trainer.validation.SampleHash;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

/** Which of the test streams' ids {@code <prefix>0 .. <prefix>(n-1)} a trainer holds out for validation, by its settings. */
final class HeldOutIds {
  private HeldOutIds() {}

  static Set<String> of(TrainerSettings s, String prefix, long n) {
    return LongStream.range(0, n).mapToObj(i -> prefix + i)
        .filter(id -> SampleHash.heldOut(id, s.validation().fraction())).collect(Collectors.toSet());
  }

  /** How many of them it trains on: every soft target trained exactly once in the committed state. */
  static long trainedCount(TrainerSettings s, String prefix, long n) {
    return n - of(s, prefix, n).size();
  }
}
