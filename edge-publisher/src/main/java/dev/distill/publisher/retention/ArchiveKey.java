package dev.distill.publisher.retention;

import java.util.Optional;

/** The key of a version on the model archive: {@code model@version}. */
public record ArchiveKey(String model, long version) {
  public static ArchiveKey of(String model, long version) {
    return new ArchiveKey(model, version);
  }

  /** Empty for a key not of this form (the model name may itself hold an {@code @}: the last one separates). */
  public static Optional<ArchiveKey> parse(String key) {
    int at = key == null ? -1 : key.lastIndexOf('@');
    if (at <= 0) {
      return Optional.empty();
    }
    try {
      return Optional.of(new ArchiveKey(key.substring(0, at), Long.parseLong(key.substring(at + 1))));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  @Override
  public String toString() {
    return model + "@" + version;
  }
}
