package dev.distill.publisher.store;

import dev.distill.contract.ota.DeltaCodec;
import dev.distill.contract.ota.Manifest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BinaryOperator;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Artifacts by sha256 under {@code dir/sha256/<hex>}, deltas under {@code dir/deltas/<base>-<target>}.
 * Writes go to a temp file then move atomically, so a crash never leaves a half artifact
 * under its hash name.
 *
 * <p>Deltas are bounded three ways, since any device can ask for any pair: the cache on disk
 * is evicted least recently used first to stay under {@link DeltaLimits#cacheBytes()}; at most
 * {@link DeltaLimits#maxComputations()} deltas are computed at once (each holds both artifacts
 * and the delta in memory, so this bounds the heap), and a request beyond it is refused
 * ({@link DeltaBusyException}) rather than queued; a delta larger than the whole cache is not
 * kept (the device downloads the full artifact).
 */
public final class ArtifactStore {
  /**
   * @param cacheBytes the delta cache on disk stays at or under this many bytes
   * @param maxComputations deltas computed at the same time, at most
   */
  public record DeltaLimits(long cacheBytes, int maxComputations) {
    public static final DeltaLimits DEFAULT = new DeltaLimits(256L << 20, 2);

    public DeltaLimits {
      if (cacheBytes < 0 || maxComputations < 1) {
        throw new IllegalArgumentException("cacheBytes >= 0 and maxComputations >= 1, not " + cacheBytes + ", " + maxComputations);
      }
    }
  }

  /** Every delta computation slot is taken: try again later or download the full artifact. */
  public static final class DeltaBusyException extends Exception {
    private static final long serialVersionUID = 1L;

    public DeltaBusyException(String message) {
      super(message, null, false, false);
    }
  }

  private final Path artifacts;
  private final Path deltas;
  private final DeltaLimits limits;
  private final Function<List<byte[]>, byte[]> encoder;
  private final Semaphore computations;
  private final AtomicInteger computing = new AtomicInteger();
  private final AtomicInteger peakComputing = new AtomicInteger();
  /** One computation per delta even when a whole wave asks at once: later askers wait for it. */
  private final ConcurrentMap<String, CompletableFuture<Optional<Path>>> inFlight = new ConcurrentHashMap<>();
  /** Cached deltas, least recently used first, with their sizes; guarded by itself. */
  private final LinkedHashMap<String, Long> cached = new LinkedHashMap<>(16, 0.75f, true);
  private long cachedBytes;

  public ArtifactStore(Path dir) {
    this(dir, DeltaLimits.DEFAULT);
  }

  public ArtifactStore(Path dir, DeltaLimits limits) {
    this(dir, limits, (Function<List<byte[]>, byte[]>) DeltaCodec::encode);
  }

  // VisibleForTesting: a test encoder can hold a computation open
  ArtifactStore(Path dir, DeltaLimits limits, BinaryOperator<byte[]> encoder) {
    this(dir, limits, (Function<List<byte[]>, byte[]>) path -> encoder.apply(path.get(0), path.get(path.size() - 1)));
  }

  private ArtifactStore(Path dir, DeltaLimits limits, Function<List<byte[]>, byte[]> encoder) {
    this.artifacts = dir.resolve("sha256");
    this.deltas = dir.resolve("deltas");
    this.limits = limits;
    this.encoder = encoder;
    this.computations = new Semaphore(limits.maxComputations());
    try {
      Files.createDirectories(artifacts);
      Files.createDirectories(deltas);
      indexDeltas();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the artifact store in " + dir, e);
    }
  }

  /** Deltas left by an earlier run join the cache, oldest first, and the cap applies at once. */
  private void indexDeltas() throws IOException {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> s = Files.list(deltas)) {
      s.forEach(files::add);
    }
    files.sort(Comparator.comparing(ArtifactStore::modified));
    for (Path f : files) {
      String name = f.getFileName().toString();
      if (name.startsWith(".part-")) {
        Files.deleteIfExists(f); // a crash mid-write
      } else {
        admit(name, Files.size(f));
      }
    }
  }

  private static FileTime modified(Path p) {
    try {
      return Files.getLastModifiedTime(p);
    } catch (IOException e) {
      return FileTime.fromMillis(0);
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
    if (expectedSha256 != null && has(expectedSha256) && Files.size(artifacts.resolve(expectedSha256)) == bytes.length) {
      // replaying the archive: what is served is the file, verified when it was written, so
      // neither hashing these bytes again nor rewriting them changes anything
      return expectedSha256;
    }
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

  /** The hashes of the artifacts on disk. */
  public List<String> artifacts() throws IOException {
    try (Stream<Path> s = Files.list(artifacts)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> Manifest.SHA256_HEX.matcher(n).matches()).sorted()
          .toList();
    }
  }

  /**
   * Deletes an artifact and every cached delta from or to it (its version was pruned). A
   * download already streaming one of them keeps its open file.
   */
  public void delete(String sha256) throws IOException {
    if (!Manifest.SHA256_HEX.matcher(sha256).matches()) {
      throw new IllegalArgumentException("not a sha256: " + sha256);
    }
    List<String> touching = new ArrayList<>();
    synchronized (cached) {
      Iterator<Map.Entry<String, Long>> it = cached.entrySet().iterator();
      while (it.hasNext()) {
        Map.Entry<String, Long> e = it.next();
        if (e.getKey().startsWith(sha256 + "-") || e.getKey().endsWith("-" + sha256)) {
          cachedBytes -= e.getValue();
          touching.add(e.getKey());
          it.remove();
        }
      }
    }
    for (String name : touching) {
      Files.deleteIfExists(deltas.resolve(name));
    }
    Files.deleteIfExists(artifacts.resolve(sha256));
  }

  /**
   * The delta from {@code base} to {@code target}, computed once and cached while it is used.
   * The file may be evicted at any time after this returns: open it at once, and treat a
   * {@link NoSuchFileException} as "ask again".
   *
   * @return empty when either artifact is missing or the delta is larger than the whole cache
   * @throws DeltaBusyException when it is not cached and every computation slot is taken
   */
  public Optional<Path> delta(String base, String target) throws IOException, DeltaBusyException {
    return delta(List.of(base, target));
  }

  /**
   * The update from {@code path.get(0)} to its last element, through the versions between
   * ({@link DeltaCodec#encode(List)}: one delta, or a chain when that is smaller), computed once
   * and cached under the pair's name as {@link #delta(String, String)}; each computation holds the
   * path's artifacts in memory.
   *
   * @param path the base, the versions between in order, the target: the same pair always with the same path
   */
  public Optional<Path> delta(List<String> path) throws IOException, DeltaBusyException {
    if (path.size() < 2 || !has(path.get(0)) || !has(path.get(path.size() - 1))) {
      return Optional.empty();
    }
    String base = path.get(0);
    String target = path.get(path.size() - 1);
    // a version between whose artifact was pruned is left out: a chain may hop over it
    List<String> present = path.stream().filter(this::has).toList();
    String name = base + "-" + target;
    Path file = deltas.resolve(name);
    synchronized (cached) {
      if (cached.get(name) != null) { // touches it: most recently used
        return Optional.of(file);
      }
    }
    CompletableFuture<Optional<Path>> mine = new CompletableFuture<>();
    CompletableFuture<Optional<Path>> running = inFlight.putIfAbsent(name, mine);
    if (running != null) {
      return await(running);
    }
    try {
      if (!computations.tryAcquire()) {
        DeltaBusyException busy = new DeltaBusyException(limits.maxComputations() + " deltas are being computed");
        mine.completeExceptionally(busy);
        throw busy;
      }
      try {
        peakComputing.accumulateAndGet(computing.incrementAndGet(), Math::max);
        Optional<Path> out = compute(name, file, present);
        mine.complete(out);
        return out;
      } finally {
        computing.decrementAndGet();
        computations.release();
      }
    } catch (IOException | RuntimeException e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      inFlight.remove(name, mine);
    }
  }

  private Optional<Path> compute(String name, Path file, List<String> path) throws IOException {
    List<byte[]> versions = new ArrayList<>(path.size());
    for (String sha : path) {
      versions.add(Files.readAllBytes(artifacts.resolve(sha)));
    }
    byte[] delta = encoder.apply(versions);
    if (delta.length > limits.cacheBytes()) {
      return Optional.empty();
    }
    writeAtomically(file, delta);
    admit(name, delta.length);
    return Optional.of(file);
  }

  private static Optional<Path> await(CompletableFuture<Optional<Path>> running) throws IOException, DeltaBusyException {
    try {
      return running.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for a delta", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof DeltaBusyException busy) {
        throw busy;
      }
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException("the delta computation failed", e.getCause());
    }
  }

  /** Adds a delta to the cache and evicts the least recently used until it fits again. */
  private void admit(String name, long bytes) throws IOException {
    List<String> evicted = new ArrayList<>();
    synchronized (cached) {
      Long old = cached.put(name, bytes);
      cachedBytes += bytes - (old == null ? 0 : old);
      Iterator<Map.Entry<String, Long>> it = cached.entrySet().iterator();
      while (cachedBytes > limits.cacheBytes() && it.hasNext()) {
        Map.Entry<String, Long> e = it.next();
        if (!e.getKey().equals(name)) {
          cachedBytes -= e.getValue();
          evicted.add(e.getKey());
          it.remove();
        }
      }
    }
    for (String e : evicted) {
      Files.deleteIfExists(deltas.resolve(e)); // a download already streaming it keeps its open file
    }
  }

  /** Bytes of the delta cache on disk. */
  public long deltaCacheBytes() {
    synchronized (cached) {
      return cachedBytes;
    }
  }

  /** Deltas being computed now. */
  public int deltasComputing() {
    return computing.get();
  }

  /** The most deltas ever computed at once (never above the limit). */
  public int peakDeltasComputing() {
    return peakComputing.get();
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
