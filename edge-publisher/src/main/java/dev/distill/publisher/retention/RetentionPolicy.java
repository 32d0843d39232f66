package dev.distill.publisher.retention;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which versions of a model stay in the archive: the newest {@code keep}, and every older one
 * still in use (installed on a registered device, the rollout's target, pinned or last good).
 * At least two are kept, so that the newest version and the one before it (the usual delta base
 * and rollback) are always there whatever the devices report.
 */
public record RetentionPolicy(int keep) {
  public static final int DEFAULT_KEEP = 10;
  public static final int MIN_KEEP = 2;

  public RetentionPolicy {
    if (keep < MIN_KEEP) {
      throw new IllegalArgumentException("keep at least " + MIN_KEEP + " versions, not " + keep);
    }
  }

  /**
   * @param versions the model's versions in the archive
   * @param inUse versions that must stay servable whatever their age
   * @return the versions to prune, oldest first
   */
  public List<Long> pruned(Collection<Long> versions, Set<Long> inUse) {
    TreeSet<Long> all = new TreeSet<>(versions);
    List<Long> out = new ArrayList<>();
    int older = all.size() - keep;
    for (long v : all) {
      if (older-- <= 0) {
        break;
      }
      if (!inUse.contains(v)) {
        out.add(v);
      }
    }
    return out;
  }
}
