package dev.distill.publisher.state;

import dev.distill.contract.ota.SignedImage;
import dev.distill.contract.proto.ModelVersion;

/**
 * A model version the publisher can serve: its metadata (without the artifact bytes, which
 * live in the store) and when the publisher first saw it.
 */
public record VersionInfo(ModelVersion metadata, String sha256, long length, long seenAtMs) {
  public String model() {
    return metadata.getModelName();
  }

  public long version() {
    return metadata.getVersion();
  }

  /** The trainer's signature of the artifact, as the version carried it; null when it carried none. */
  public SignedImage image() {
    return metadata.hasImageSignature() ? SignedImage.fromProto(metadata.getImageSignature()) : null;
  }
}
