package dev.distill.publisher.state;

import dev.distill.contract.proto.ModelVersion;
import dev.distill.publisher.store.ArtifactStore;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a published model version into the store and the view: its bytes are verified and
 * stored by hash, and only the metadata stays in memory.
 */
public final class VersionIngest {
  private static final Logger log = LoggerFactory.getLogger(VersionIngest.class);

  private final ArtifactStore store;
  private final FleetView view;

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
    return true;
  }
}
