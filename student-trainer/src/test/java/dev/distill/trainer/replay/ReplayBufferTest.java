package dev.distill.trainer.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ReplayBufferTest {
  @Test
  void keepsAtMostItsCapacityAndFillsFirst() {
    ReplayBuffer<Integer> buffer = new ReplayBuffer<>(100, 0.25, new Random(1));
    for (int i = 0; i < 50; i++) {
      buffer.offer(i);
    }
    assertThat(buffer.size()).isEqualTo(50);
    for (int i = 50; i < 10_000; i++) {
      buffer.offer(i);
    }
    assertThat(buffer.size()).isEqualTo(100);
    assertThat(buffer.offered()).isEqualTo(10_000);
  }

  @Test
  void everyOfferedExampleIsKeptWithTheSameProbability() {
    // 2,000 runs of 1,000 offers into 100 slots: each example is kept with probability 0.1,
    // so each decile of the stream should hold about 10% of the kept examples, early or late
    int[] keptPerDecile = new int[10];
    Random random = new Random(7);
    for (int run = 0; run < 2_000; run++) {
      ReplayBuffer<Integer> buffer = new ReplayBuffer<>(100, 1, random);
      for (int i = 0; i < 1_000; i++) {
        buffer.offer(i);
      }
      for (int kept : buffer.draw(0)) {
        keptPerDecile[kept / 100]++;
      }
      // draw with replacement is what training sees; the reservoir itself is checked through many draws
      for (int kept : buffer.draw(100)) {
        keptPerDecile[kept / 100]++;
      }
    }
    int total = 2_000 * 100;
    for (int d = 0; d < 10; d++) {
      assertThat(keptPerDecile[d] / (double) total).as("share of decile %d", d).isBetween(0.09, 0.11);
    }
  }

  @Test
  void replaysTheConfiguredShareOfABatchOnceItHasExamples() {
    ReplayBuffer<Integer> buffer = new ReplayBuffer<>(1_000, 0.25, new Random(3));
    assertThat(buffer.replayCount(32)).isZero();
    for (int i = 0; i < 500; i++) {
      buffer.offer(i);
    }
    assertThat(buffer.replayCount(32)).isEqualTo(8);
    assertThat(buffer.draw(8)).hasSize(8).allSatisfy(e -> assertThat(e).isBetween(0, 499));
    assertThat(new ReplayBuffer<Integer>(0, 0.25, new Random(3)).replayCount(32)).isZero();
  }
}
