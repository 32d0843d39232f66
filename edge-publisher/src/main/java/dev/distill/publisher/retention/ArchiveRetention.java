package dev.distill.publisher.retention;

import dev.distill.publisher.state.FleetView;
import dev.distill.publisher.state.VersionInfo;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The retention pass of the rollout controller: which archived versions fall out of the policy
 * now. A cheap pass over the view (a few models, tens of versions each). Tombstones reach the
 * view only when the state reader reads them back, so keys already sent are not offered again
 * in the meantime. Used by one thread, the controller's.
 */
public final class ArchiveRetention {
  private final FleetView view;
  private final RetentionPolicy policy;
  private final Set<ArchiveKey> sent = new HashSet<>();

  public ArchiveRetention(FleetView view, RetentionPolicy policy) {
    this.view = view;
    this.policy = policy;
  }

  /** The keys to tombstone, oldest version of each model first. */
  public List<ArchiveKey> due() {
    List<ArchiveKey> out = new ArrayList<>();
    Set<ArchiveKey> present = new HashSet<>();
    for (String model : view.models()) {
      List<Long> versions = view.versions(model).stream().map(VersionInfo::version).toList();
      versions.forEach(v -> present.add(ArchiveKey.of(model, v)));
      for (long v : policy.pruned(versions, view.versionsInUse(model))) {
        ArchiveKey k = ArchiveKey.of(model, v);
        if (!sent.contains(k)) {
          out.add(k);
        }
      }
    }
    sent.retainAll(present); // applied: the view has forgotten them
    return out;
  }

  /** The tombstones of {@code keys} are committed. */
  public void sent(List<ArchiveKey> keys) {
    sent.addAll(keys);
  }
}
