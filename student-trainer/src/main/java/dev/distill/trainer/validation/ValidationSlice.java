package dev.distill.trainer.validation;

import dev.distill.trainer.stream.Example;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The validation slice of the stream: every sample whose id {@link SampleHash hashes} below
 * {@code fraction} is held out here instead of being trained on. At most {@code capacity}
 * examples are kept: those with the smallest hashes (a bottom-k sample), so a full slice changes
 * only when an id with a smaller hash arrives, and two trainers of the same stream hold the same
 * slice. A sample id seen again (another pass) replaces its example, it is not counted twice.
 *
 * <p>Lives in memory only: after a restart it refills from the stream, and until it holds
 * {@code min} examples no candidate is judged. Not thread-safe; the training loop owns it.
 */
public final class ValidationSlice {
  private record Key(long hash, String id) {}

  /** Unsigned hash order, the id breaking a (2^-64) tie. */
  private static final Comparator<Key> ORDER = (a, b) -> a.hash() != b.hash()
      ? Long.compareUnsigned(a.hash(), b.hash()) : a.id().compareTo(b.id());

  private final double fraction;
  private final int capacity;
  private final int min;
  private final TreeMap<Key, Example> examples = new TreeMap<>(ORDER);
  private int labelled;
  private long offered;

  /**
   * @param fraction share of sample ids held out, in {@code (0, 1)}
   * @param capacity examples kept at most
   * @param min      examples needed before the slice is {@link #ready}
   */
  public ValidationSlice(double fraction, int capacity, int min) {
    if (!(fraction > 0 && fraction < 1) || capacity < 1 || min < 1 || min > capacity) {
      throw new IllegalArgumentException("a validation slice needs 0 < fraction < 1 and 1 <= min <= capacity, got "
          + fraction + ", " + capacity + ", " + min);
    }
    this.fraction = fraction;
    this.capacity = capacity;
    this.min = min;
  }

  /** Whether {@code id} belongs to the slice: such a sample must never be trained on. */
  public boolean holds(String id) {
    return SampleHash.heldOut(id, fraction);
  }

  /**
   * Keeps an example of a held-out id (see {@link #holds}), unless the slice is full of smaller
   * hashes.
   *
   * @return whether the example is in the slice now
   */
  public boolean offer(Example e) {
    if (!holds(e.id())) {
      throw new IllegalArgumentException("sample " + e.id() + " is not in the validation slice");
    }
    offered++;
    Key key = new Key(SampleHash.of(e.id()), e.id());
    if (examples.size() >= capacity && !examples.containsKey(key) && ORDER.compare(key, examples.lastKey()) > 0) {
      return false;
    }
    Example old = examples.put(key, e);
    labelled += (e.labelled() ? 1 : 0) - (old != null && old.labelled() ? 1 : 0);
    if (examples.size() > capacity) {
      Map.Entry<Key, Example> dropped = examples.pollLastEntry();
      labelled -= dropped.getValue().labelled() ? 1 : 0;
    }
    return true;
  }

  /** Enough examples to judge a candidate on. */
  public boolean ready() {
    return examples.size() >= min;
  }

  public int size() {
    return examples.size();
  }

  public int labelled() {
    return labelled;
  }

  /** Held-out samples offered so far (repeats included), whether kept or not. */
  public long offered() {
    return offered;
  }

  public int min() {
    return min;
  }

  public int capacity() {
    return capacity;
  }

  /** The examples, smallest hash first (a copy of the list; the examples themselves are shared). */
  public List<Example> examples() {
    return new ArrayList<>(examples.values());
  }

  /** The sample ids in the slice, smallest hash first. */
  public List<String> ids() {
    return examples.keySet().stream().map(Key::id).toList();
  }
}
