package dev.distill.scorer.sync;

import dev.distill.contract.proto.TeacherChunk;
import dev.distill.contract.proto.TeacherCommit;
import dev.distill.contract.proto.TeacherFile;
import dev.distill.contract.proto.TeacherRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the teacher topic's records back into version folders of a teacher store
 * ({@code <root>/<id>/v<N>/}). Chunks are written straight to staging files at their offsets, in
 * whatever order they come, so memory holds one chunk at a time whatever a teacher's size. A
 * version is installed, by one atomic rename of its staging folder, only when its commit has been
 * read, every file the commit lists has all its chunks, and each file has the listed length and
 * sha256:
 *
 * <ul>
 *   <li>a commit read before all its chunks (possible once compaction has reordered a re-push)
 *       waits, and the version installs when the last chunk arrives;
 *   <li>chunks of two different pushes of one version are never mixed: each chunk names its
 *       file's sha256, and a file restarts when that changes;
 *   <li>a complete version whose bytes do not match its commit is rejected, with the reason
 *       logged, and nothing of it is installed;
 *   <li>a version already in the store is left alone when it is identical to the commit, and
 *       rejected when it differs (a version is immutable: new content is a new version).
 * </ul>
 *
 * Staging folders are hidden ({@code .sync-v<N>-<uuid>}), so the store's readers never see them;
 * one left behind by a crash is ignored as {@code TeacherStore}'s own are. Not thread-safe: one
 * reader thread feeds it.
 */
final class ChunkAssembler {
  private static final Logger log = LoggerFactory.getLogger(ChunkAssembler.class);

  /** What happened to a version; for the sync's counters and for tests. */
  interface Listener {
    void installed(String teacherId, int version, long bytes);

    void rejected(String teacherId, int version, String reason);
  }

  private final Path root;
  private final Listener listener;
  /** Versions being received, by "id/vN". */
  private final Map<String, Assembly> assemblies = new LinkedHashMap<>();
  /** sha256 of files already installed (immutable), so a re-read commit does not hash them again. */
  private final Map<Path, String> installedHashes = new HashMap<>();

  ChunkAssembler(Path root, Listener listener) {
    this.root = root;
    this.listener = listener;
  }

  /**
   * Takes one record of the topic.
   *
   * @throws IOException when the store cannot be written (the local disk's fault, not the topic's)
   */
  void accept(TeacherRecord r) throws IOException {
    switch (r.getBodyCase()) {
      case CHUNK -> chunk(r.getTeacherId(), r.getVersion(), r.getChunk());
      case COMMIT -> commit(r.getTeacherId(), r.getVersion(), r.getCommit());
      default -> throw new IllegalArgumentException("a teacher record without a body"); // validated before
    }
  }

  /**
   * Versions read but not installed, each with what it lacks: a commit waiting for chunks, or
   * chunks without a commit (a push in progress, or one that never finished).
   */
  List<String> pending() {
    List<String> out = new ArrayList<>();
    for (Assembly a : assemblies.values()) {
      out.add(a.name() + ": " + (a.commit == null
          ? "chunks of " + a.files.size() + " file(s) but no commit yet"
          : "committed, still missing " + String.join("; ", a.missing())));
    }
    return out;
  }

  private Path versionDir(String teacherId, int version) {
    return root.resolve(teacherId).resolve("v" + version);
  }

  private void chunk(String teacherId, int version, TeacherChunk c) throws IOException {
    if (Files.exists(versionDir(teacherId, version))) {
      return; // a re-push of an installed version: its commit is compared with what is there
    }
    Assembly a = assemblies.computeIfAbsent(key(teacherId, version), k -> new Assembly(teacherId, version));
    a.write(c); // an IOException is the local disk's fault, not the topic's: it stops the sync
    if (a.commit != null && a.missing().isEmpty()) {
      complete(a);
    }
  }

  private void commit(String teacherId, int version, TeacherCommit commit) throws IOException {
    Path dir = versionDir(teacherId, version);
    if (Files.exists(dir)) {
      Assembly stale = assemblies.remove(key(teacherId, version));
      if (stale != null) {
        stale.discard();
      }
      String difference = difference(dir, commit);
      if (difference == null) {
        log.debug("teacher {} v{}: already in the store and identical, left alone", teacherId, version);
      } else {
        String reason = "differs from the installed " + dir + " (" + difference
            + "); a version never changes once installed: push the new content as a new version";
        log.warn("teacher {} v{} rejected: {}", teacherId, version, reason);
        listener.rejected(teacherId, version, reason);
      }
      return;
    }
    Assembly a = assemblies.computeIfAbsent(key(teacherId, version), k -> new Assembly(teacherId, version));
    a.commit = commit;
    List<String> missing = a.missing();
    if (missing.isEmpty()) {
      complete(a);
    } else {
      log.info("teacher {} v{}: committed, waiting for {}", teacherId, version, String.join("; ", missing));
    }
  }

  /** Every listed file has all its chunks: check the bytes, then install. */
  private void complete(Assembly a) throws IOException {
    for (TeacherFile f : a.commit.getFilesList()) {
      Path staged = a.staging.resolve(f.getName());
      long length = Files.size(staged);
      if (length != f.getLength()) {
        reject(a, f.getName() + " has " + length + " bytes, its commit says " + f.getLength());
        return;
      }
      String sha = FileHash.sha256(staged);
      if (!sha.equals(f.getSha256())) {
        reject(a, f.getName() + " hashes to sha256 " + sha + ", its commit says " + f.getSha256());
        return;
      }
    }
    Set<String> listed = new TreeSet<>();
    a.commit.getFilesList().forEach(f -> listed.add(f.getName()));
    for (String staged : new ArrayList<>(a.files.keySet())) {
      if (!listed.contains(staged)) {
        Files.deleteIfExists(a.staging.resolve(staged)); // a file of an earlier push of this version
      }
    }
    Path target = versionDir(a.teacherId, a.version);
    assemblies.remove(a.name());
    try {
      Files.move(a.staging, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException | DirectoryNotEmptyException taken) {
      // installed meanwhile by someone else (a local import into the same store): compare
      a.discard();
      commit(a.teacherId, a.version, a.commit);
      return;
    } catch (AtomicMoveNotSupportedException e) {
      a.discard();
      throw new IOException("the teacher store at " + root + " needs a file system with atomic renames", e);
    }
    long bytes = 0;
    for (TeacherFile f : a.commit.getFilesList()) {
      installedHashes.put(target.resolve(f.getName()), f.getSha256());
      bytes += f.getLength();
    }
    log.info("teacher {} v{} installed in {}: {} file(s), {} bytes, sha256 checked", a.teacherId, a.version,
        target, a.commit.getFilesCount(), bytes);
    listener.installed(a.teacherId, a.version, bytes);
  }

  private void reject(Assembly a, String reason) {
    assemblies.remove(a.name());
    a.discard();
    log.warn("teacher {} v{} rejected, not installed: {}", a.teacherId, a.version, reason);
    listener.rejected(a.teacherId, a.version, reason);
  }

  /** Null when the installed version holds exactly the commit's files; otherwise how it differs. */
  private String difference(Path dir, TeacherCommit commit) throws IOException {
    Set<String> present = new TreeSet<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(Files::isRegularFile).forEach(p -> present.add(p.getFileName().toString()));
    }
    Set<String> listed = new TreeSet<>();
    for (TeacherFile f : commit.getFilesList()) {
      listed.add(f.getName());
      Path p = dir.resolve(f.getName());
      if (!Files.isRegularFile(p)) {
        return "no " + f.getName() + " there";
      }
      if (Files.size(p) != f.getLength()) {
        return f.getName() + " has " + Files.size(p) + " bytes there, " + f.getLength() + " pushed";
      }
      String sha = installedHashes.get(p);
      if (sha == null) {
        sha = FileHash.sha256(p);
        installedHashes.put(p, sha);
      }
      if (!sha.equals(f.getSha256())) {
        return f.getName() + " has other bytes (sha256 " + sha + " there, " + f.getSha256() + " pushed)";
      }
    }
    present.removeAll(listed);
    return present.isEmpty() ? null : "files not pushed: " + present;
  }

  private static String key(String teacherId, int version) {
    return teacherId + "/v" + version;
  }

  /** The received part of one version. */
  private final class Assembly {
    final String teacherId;
    final int version;
    final Map<String, StagedFile> files = new HashMap<>();
    Path staging;
    TeacherCommit commit;

    Assembly(String teacherId, int version) {
      this.teacherId = teacherId;
      this.version = version;
    }

    String name() {
      return key(teacherId, version);
    }

    void write(TeacherChunk c) throws IOException {
      if (staging == null) {
        Path dir = root.resolve(teacherId);
        Files.createDirectories(dir);
        staging = Files.createDirectory(dir.resolve(".sync-v" + version + "-" + UUID.randomUUID()));
      }
      StagedFile f = files.get(c.getFile());
      if (f == null || !f.sameFile(c)) {
        // the first chunk of this file, or one of another push with other content: start it anew
        f = new StagedFile(c.getFileSha256(), c.getFileLength(), c.getCount());
        files.put(c.getFile(), f);
        Files.deleteIfExists(staging.resolve(c.getFile()));
        Files.createFile(staging.resolve(c.getFile()));
      }
      if (f.received.get(c.getIndex())) {
        return; // a duplicate (a re-push of the same content)
      }
      try (FileChannel ch = FileChannel.open(staging.resolve(c.getFile()), StandardOpenOption.WRITE)) {
        ByteBuffer data = c.getData().asReadOnlyByteBuffer();
        long at = c.getOffset();
        while (data.hasRemaining()) {
          at += ch.write(data, at);
        }
      }
      f.received.set(c.getIndex());
    }

    /** What the commit lists that has not fully arrived; empty when complete. */
    List<String> missing() {
      List<String> out = new ArrayList<>();
      for (TeacherFile want : commit.getFilesList()) {
        StagedFile f = files.get(want.getName());
        if (f == null) {
          out.add("all " + want.getChunks() + " chunk(s) of " + want.getName());
        } else if (!f.sha256.equals(want.getSha256()) || f.length != want.getLength() || f.count != want.getChunks()) {
          out.add(want.getName() + " as committed (the chunks read are of another push)");
        } else if (f.received.cardinality() < f.count) {
          out.add((f.count - f.received.cardinality()) + " of " + f.count + " chunk(s) of " + want.getName());
        }
      }
      return out;
    }

    void discard() {
      if (staging == null || !Files.exists(staging)) {
        return;
      }
      try (Stream<Path> s = Files.walk(staging)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      } catch (IOException e) {
        log.warn("cannot remove the staging folder {}: {}", staging, e.toString());
      }
    }
  }

  private static final class StagedFile {
    final String sha256;
    final long length;
    final int count;
    final BitSet received = new BitSet();

    StagedFile(String sha256, long length, int count) {
      this.sha256 = sha256;
      this.length = length;
      this.count = count;
    }

    boolean sameFile(TeacherChunk c) {
      return sha256.equals(c.getFileSha256()) && length == c.getFileLength() && count == c.getCount();
    }
  }
}
