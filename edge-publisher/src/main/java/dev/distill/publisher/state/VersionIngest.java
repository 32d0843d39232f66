package dev.distill.publisher.state;

import dev.distill.contract.proto.ModelVersion;
import dev.distill.publisher.store.ArtifactStore;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a published model version into the store and the view: its bytes are verified and
 * stored by hash, and only the metadata stays in memory (with the trainer's image signature,
 * which every manifest for the version carries to devices). Forgets a version the controller
 * pruned from the archive, and deletes its artifact unless a kept version has the same bytes.
 * Both run on the state reader's thread, so an artifact is never deleted between another
 * version's store and view updates.
 */
public final class VersionIngest {
  private static final Logger log = LoggerFactory.getLogger(VersionIngest.class);

  private final ArtifactStore store;
  private final FleetView view;
  private final AtomicLong forgotten = new AtomicLong();

  public VersionIngest(ArtifactStore store, FleetView view) {
    this.store = store;
    this.view = view;
  }

  /**
   * @param seenAtMs when the version was published (the record's timestamp: the same on every replica)
   * @return false when the version cannot be served (bad hash, artifact neither inline nor stored)
   */
  public boolean ingest(ModelVersion mv, long seenAtMs) {
    if (mv.getModelName().isEmpty() || mv.getVersion() <= 0) {
      log.warn("ignoring a model version without a name or a positive version: '{}' v{}", mv.getModelName(), mv.getVersion());
      return false;
    }
    String sha;
    long length;
    try {
      if (mv.hasOnnx()) {
        byte[] bytes = mv.getOnnx().toByteArray();
        sha = store.put(bytes, mv.getSha256());
        length = bytes.length;
      } else if (mv.hasContentAddress() && store.has(mv.getContentAddress())) {
        sha = mv.getContentAddress();
        length = java.nio.file.Files.size(store.path(sha).orElseThrow());
      } else {
        log.warn("model {} v{}: artifact {} is neither inline nor in the store; not servable", mv.getModelName(),
            mv.getVersion(), mv.getContentAddress());
        return false;
      }
    } catch (IllegalArgumentException | IOException e) {
      log.warn("model {} v{}: artifact refused: {}", mv.getModelName(), mv.getVersion(), e.getMessage());
      return false;
    }
    ModelVersion metadata = mv.toBuilder().clearArtifact().clearResumeState().setSha256(sha).setSizeBytes(length).build();
    view.applyVersion(metadata, sha, length, seenAtMs);
    if (!mv.hasImageSignature()) {
      log.warn("model {} v{} carries no image signature from the trainer: devices refuse it (the trainer needs "
          + "DISTILL_TRAINER_SIGNING_KEY and DISTILL_TRAINER_SIGNING_CERT)", mv.getModelName(), mv.getVersion());
    }
    return true;
  }

  /**
   * Forgets a pruned version: the view no longer serves it, and its artifact and the deltas
   * from or to it leave the store (a download already streaming one finishes from its open file).
   *
   * @return whether the version was here
   */
  public boolean forget(String model, long version) {
    var gone = view.forgetVersion(model, version);
    if (gone.isEmpty()) {
      return false;
    }
    forgotten.incrementAndGet();
    String sha = gone.get().sha256();
    if (view.versionBySha(sha).isEmpty()) {
      try {
        store.delete(sha);
      } catch (IOException e) {
        log.warn("model {} v{} pruned, but its artifact {} stays on disk: {}", model, version, sha, e.toString());
      }
    }
    return true;
  }

  /** Versions forgotten since start-up because the controller pruned them. */
  public long forgotten() {
    return forgotten.get();
  }
}
