package dev.distill.publisher.store;

import dev.distill.contract.ota.DeltaCodec;
import dev.distill.contract.ota.Manifest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Artifacts by sha256 under {@code dir/sha256/<hex>}, deltas under {@code dir/deltas/<base>-<target>}.
 * Writes go to a temp file then move atomically, so a crash never leaves a half artifact
 * under its hash name.
 */
public final class ArtifactStore {
  private final Path artifacts;
  private final Path deltas;
  /** One computation per delta even when a whole wave asks at once. */
  private final ConcurrentMap<String, Object> deltaLocks = new ConcurrentHashMap<>();

  public ArtifactStore(Path dir) {
    this.artifacts = dir.resolve("sha256");
    this.deltas = dir.resolve("deltas");
    try {
      Files.createDirectories(artifacts);
      Files.createDirectories(deltas);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the artifact store in " + dir, e);
    }
  }

  public static String sha256(byte[] bytes) {
    try {
      return Manifest.hex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Stores bytes under their hash.
   *
   * @param expectedSha256 what the publisher of the bytes claims; a mismatch is refused
   * @throws IllegalArgumentException when the bytes do not hash to {@code expectedSha256}
   */
  public String put(byte[] bytes, String expectedSha256) throws IOException {
    String sha = sha256(bytes);
    if (expectedSha256 != null && !expectedSha256.isEmpty() && !expectedSha256.equals(sha)) {
      throw new IllegalArgumentException("artifact hashes to " + sha + ", not the declared " + expectedSha256);
    }
    Path target = artifacts.resolve(sha);
    if (!Files.exists(target) || Files.size(target) != bytes.length) {
      writeAtomically(target, bytes);
    }
    return sha;
  }

  public boolean has(String sha256) {
    return Manifest.SHA256_HEX.matcher(sha256).matches() && Files.isRegularFile(artifacts.resolve(sha256));
  }

  /** The file of an artifact, if present. */
  public Optional<Path> path(String sha256) {
    return has(sha256) ? Optional.of(artifacts.resolve(sha256)) : Optional.empty();
  }

  /**
   * The delta from {@code base} to {@code target}, computed once and cached.
   *
   * @return empty when either artifact is missing
   */
  public Optional<Path> delta(String base, String target) throws IOException {
    if (!has(base) || !has(target)) {
      return Optional.empty();
    }
    Path file = deltas.resolve(base + "-" + target);
    if (Files.exists(file)) {
      return Optional.of(file);
    }
    synchronized (deltaLocks.computeIfAbsent(file.getFileName().toString(), k -> new Object())) {
      if (!Files.exists(file)) {
        byte[] delta = DeltaCodec.encode(Files.readAllBytes(artifacts.resolve(base)), Files.readAllBytes(artifacts.resolve(target)));
        writeAtomically(file, delta);
      }
    }
    deltaLocks.remove(file.getFileName().toString());
    return Optional.of(file);
  }

  private static void writeAtomically(Path target, byte[] bytes) throws IOException {
    Path tmp = Files.createTempFile(target.getParent(), ".part-", ".tmp");
    try {
      Files.write(tmp, bytes);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
