package dev.distill.publisher.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The retention policy as a pure function: which versions of a model fall out of the archive. */
class RetentionPolicyTest {
  static List<Long> versions(long first, long last) {
    return LongStream.rangeClosed(first, last).boxed().toList();
  }

  @Test
  void theNewestKVersionsAreKeptAndTheOlderOnesNobodyUsesArePruned() {
    assertThat(new RetentionPolicy(3).pruned(versions(1, 8), Set.of())).containsExactly(1L, 2L, 3L, 4L, 5L);
  }

  @Test
  void anOldVersionInUseIsKeptWhateverItsAge() {
    assertThat(new RetentionPolicy(3).pruned(versions(1, 8), Set.of(2L, 4L))).containsExactly(1L, 3L, 5L);
  }

  @Test
  void aVersionInUseAmongTheNewestDoesNotMakeRoomForAnOlderOne() {
    assertThat(new RetentionPolicy(3).pruned(versions(1, 6), Set.of(6L))).containsExactly(1L, 2L, 3L);
  }

  @Test
  void nothingIsPrunedWhileAModelHasNoMoreThanKVersions() {
    assertThat(new RetentionPolicy(10).pruned(versions(1, 10), Set.of())).isEmpty();
    assertThat(new RetentionPolicy(10).pruned(List.of(), Set.of())).isEmpty();
  }

  @Test
  void versionsCountByNumberNotByArrivalOrderAndGapsAreFine() {
    assertThat(new RetentionPolicy(2).pruned(List.of(9L, 3L, 12L, 5L), Set.of())).containsExactly(3L, 5L);
  }

  @Test
  void fewerThanTwoKeptIsRefused() {
    assertThatThrownBy(() -> new RetentionPolicy(1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 2");
  }

  @Test
  void archiveKeysRoundTripEvenWhenTheModelNameHoldsAnAt() {
    assertThat(ArchiveKey.parse(ArchiveKey.of("team@mnist", 12).toString())).contains(ArchiveKey.of("team@mnist", 12));
    assertThat(ArchiveKey.parse("mnist")).isEmpty();
    assertThat(ArchiveKey.parse("mnist@latest")).isEmpty();
    assertThat(ArchiveKey.parse("@3")).isEmpty();
  }
}
