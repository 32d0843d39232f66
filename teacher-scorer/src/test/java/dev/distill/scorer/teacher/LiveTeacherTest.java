package dev.distill.scorer.teacher;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LiveTeacherTest {

  @Test
  void aBatchKeepsItsVersionAcrossASwapAndTheOldVersionClosesAfterTheBatch() {
    FakeTeacher v1 = new FakeTeacher(1);
    FakeTeacher v2 = new FakeTeacher(2);
    LiveTeacher live = new LiveTeacher(v1);

    TeacherProvider.Lease batch = live.acquire();
    live.swap(v2);

    assertThat(batch.teacher()).isSameAs(v1);
    assertThat(v1.closed()).as("still used by a batch").isFalse();
    try (TeacherProvider.Lease next = live.acquire()) {
      assertThat(next.teacher()).isSameAs(v2);
    }
    batch.close();
    assertThat(v1.closes).hasValue(1);
    assertThat(v2.closed()).as("current").isFalse();
  }

  @Test
  void aVersionNoBatchUsesClosesAtTheSwap() {
    FakeTeacher v1 = new FakeTeacher(1);
    LiveTeacher live = new LiveTeacher(v1);
    live.acquire().close();

    assertThat(live.swap(new FakeTeacher(2))).isSameAs(v1);

    assertThat(v1.closes).hasValue(1);
    assertThat(live.current().version()).isEqualTo(2);
  }

  @Test
  void closingALeaseTwiceReleasesItOnce() {
    FakeTeacher v1 = new FakeTeacher(1);
    LiveTeacher live = new LiveTeacher(v1);
    TeacherProvider.Lease a = live.acquire();
    TeacherProvider.Lease b = live.acquire();

    a.close();
    a.close();
    live.swap(new FakeTeacher(2));

    assertThat(v1.closed()).as("lease b still holds it").isFalse();
    b.close();
    assertThat(v1.closes).hasValue(1);
  }

  @Test
  void closingTheProviderClosesTheCurrentVersionOnceItsLastBatchIsDone() {
    FakeTeacher v1 = new FakeTeacher(1);
    LiveTeacher live = new LiveTeacher(v1);
    TeacherProvider.Lease batch = live.acquire();

    live.close();
    live.close();
    assertThat(v1.closed()).isFalse();
    batch.close();

    assertThat(v1.closes).hasValue(1);
  }
}
