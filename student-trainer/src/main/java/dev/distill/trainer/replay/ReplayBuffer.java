package dev.distill.trainer.replay;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A reservoir (Vitter's algorithm R) of at most {@code capacity} examples: after {@code n} offers
 * every example offered so far is in the buffer with the same probability {@code capacity / n}.
 * Not thread-safe; one training loop owns it. Its contents are not part of the committed resume
 * state: after a restart it refills from the stream.
 */
public final class ReplayBuffer<E> {
  private final int capacity;
  private final double ratio;
  private final Random random;
  private final List<E> items;
  private long offered;

  /**
   * @param capacity examples kept; 0 disables replay
   * @param ratio    replayed examples per fresh example in a batch (0.25: 8 replayed with 32 fresh)
   */
  public ReplayBuffer(int capacity, double ratio, Random random) {
    if (capacity < 0 || !(ratio >= 0 && ratio <= 4)) {
      throw new IllegalArgumentException("capacity must be >= 0 and ratio in [0, 4], got " + capacity + ", " + ratio);
    }
    this.capacity = capacity;
    this.ratio = ratio;
    this.random = random;
    this.items = new ArrayList<>(Math.min(capacity, 1 << 16));
  }

  public void offer(E example) {
    offered++;
    if (items.size() < capacity) {
      items.add(example);
      return;
    }
    long j = (long) (random.nextDouble() * offered);
    if (j < capacity) {
      items.set((int) j, example);
    }
  }

  /** How many replayed examples go with {@code fresh} fresh ones: {@code round(fresh * ratio)}, at most the size. */
  public int replayCount(int fresh) {
    return (int) Math.min(items.size(), Math.round(fresh * ratio));
  }

  /** {@code count} examples drawn uniformly with replacement. */
  public List<E> draw(int count) {
    List<E> out = new ArrayList<>(count);
    for (int i = 0; i < count && !items.isEmpty(); i++) {
      out.add(items.get(random.nextInt(items.size())));
    }
    return out;
  }

  public int size() {
    return items.size();
  }

  public long offered() {
    return offered;
  }

  public int capacity() {
    return capacity;
  }
}
