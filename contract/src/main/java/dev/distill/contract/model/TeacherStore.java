package dev.distill.contract.model;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Teachers on disk, versioned, so that training publishes and scoring picks up new versions
 * without talking to each other:
 *
 * <pre>
 * &lt;root&gt;/&lt;teacher-id&gt;/v&lt;version&gt;/member-0.onnx ... member-(K-1).onnx
 *                                    teacher.json  (the {@link TeacherManifest})
 * </pre>
 *
 * A version appears atomically (written in a hidden folder, then renamed), so a reader never
 * sees half a teacher; versions only grow. A version folder that cannot be read (no member, no
 * manifest, a manifest that does not parse) is left out of {@link #versions} and named with its
 * reason by {@link #problems}, so a hand-copied teacher is never skipped silently. Versions
 * written before manifests existed ({@code teacher.properties} with an {@code architecture}) are
 * read with the interface they had ({@link TeacherManifest#legacy}).
 */
public final class TeacherStore {
  public static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
  private static final Pattern VERSION_DIR = Pattern.compile("v(\\d{1,9})");
  private static final String LEGACY_INFO = "teacher.properties";

  private final Path root;

  public TeacherStore(Path root) {
    this.root = root;
  }

  public Path root() {
    return root;
  }

  /**
   * Writes a new version (the next number) of a teacher.
   *
   * @param members ONNX bytes of each ensemble member, at least one
   */
  public TeacherVersion publish(String teacherId, List<byte[]> members, TeacherManifest manifest) throws IOException {
    checkId(teacherId);
    if (members.isEmpty()) {
      throw new IllegalArgumentException("a teacher needs at least one member model");
    }
    Path dir = root.resolve(teacherId);
    Files.createDirectories(dir);
    Path tmp = dir.resolve(".staging-" + UUID.randomUUID());
    Files.createDirectory(tmp);
    try {
      for (int i = 0; i < members.size(); i++) {
        Files.write(tmp.resolve(memberName(i)), members.get(i));
      }
      Files.write(tmp.resolve(TeacherManifest.FILE), manifest.toJson());
      // another publisher may take a number at the same time: retry with the next one
      for (int attempt = 0; attempt < 100; attempt++) {
        int next = versions(teacherId).stream().mapToInt(TeacherVersion::version).max().orElse(0) + 1;
        Path target = dir.resolve("v" + next);
        try {
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
          return read(teacherId, next, target, new ArrayList<>()).orElseThrow();
        } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException taken) {
          // lost the race for this number
        } catch (AtomicMoveNotSupportedException e) {
          throw new IOException("the teacher store at " + root + " needs a file system with atomic renames", e);
        }
      }
      throw new IOException("could not publish " + teacherId + ": too many concurrent publishers");
    } finally {
      deleteQuietly(tmp);
    }
  }

  /** The newest version of a teacher, if any. */
  public Optional<TeacherVersion> latest(String teacherId) throws IOException {
    List<TeacherVersion> all = versions(teacherId);
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
  }

  /** All versions, oldest first. */
  public List<TeacherVersion> versions(String teacherId) throws IOException {
    return scan(teacherId, new ArrayList<>());
  }

  /** Version folders of a teacher that cannot be used, each with its reason; empty when all are fine. */
  public List<String> problems(String teacherId) throws IOException {
    List<String> problems = new ArrayList<>();
    scan(teacherId, problems);
    return problems;
  }

  private List<TeacherVersion> scan(String teacherId, List<String> problems) throws IOException {
    checkId(teacherId);
    Path dir = root.resolve(teacherId);
    List<TeacherVersion> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      for (Path p : s) {
        Matcher m = VERSION_DIR.matcher(p.getFileName().toString());
        if (m.matches() && Files.isDirectory(p)) {
          read(teacherId, Integer.parseInt(m.group(1)), p, problems).ifPresent(out::add);
        }
      }
    }
    out.sort(Comparator.comparingInt(TeacherVersion::version));
    return out;
  }

  /** Teacher ids present in the store. */
  public List<String> teacherIds() throws IOException {
    List<String> ids = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return ids;
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(root)) {
      for (Path p : s) {
        if (Files.isDirectory(p) && ID.matcher(p.getFileName().toString()).matches()) {
          ids.add(p.getFileName().toString());
        }
      }
    }
    ids.sort(null);
    return ids;
  }

  private static Optional<TeacherVersion> read(String id, int version, Path dir, List<String> problems)
      throws IOException {
    List<Path> members = new ArrayList<>();
    for (int i = 0; Files.isRegularFile(dir.resolve(memberName(i))); i++) {
      members.add(dir.resolve(memberName(i)));
    }
    String where = "teacher " + id + " v" + version + " (" + dir + ")";
    if (members.isEmpty()) {
      problems.add(where + ": no " + memberName(0));
      return Optional.empty();
    }
    Path manifestFile = dir.resolve(TeacherManifest.FILE);
    try {
      if (Files.isRegularFile(manifestFile)) {
        return Optional.of(new TeacherVersion(id, version, dir, members,
            TeacherManifest.fromJson(Files.readAllBytes(manifestFile))));
      }
      Path legacy = dir.resolve(LEGACY_INFO);
      if (Files.isRegularFile(legacy)) {
        return Optional.of(new TeacherVersion(id, version, dir, members, readLegacy(legacy)));
      }
      problems.add(where + ": no " + TeacherManifest.FILE + " (import the model with `distill teacher import`)");
    } catch (IllegalArgumentException e) {
      problems.add(where + ": " + e.getMessage());
    }
    return Optional.empty();
  }

  private static TeacherManifest readLegacy(Path file) throws IOException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file)) {
      p.load(r);
    }
    Map<String, String> info = new LinkedHashMap<>();
    p.stringPropertyNames().stream().sorted().forEach(k -> info.put(k, p.getProperty(k)));
    String arch = info.get("architecture");
    if (arch == null) {
      throw new IllegalArgumentException(LEGACY_INFO + " names no architecture, so the input is unknown");
    }
    Architecture a = Architecture.parse(arch);
    return TeacherManifest.legacy(a.inputSize(), a.classes(), info);
  }

  static String memberName(int i) {
    return "member-" + i + ".onnx";
  }

  private static void checkId(String id) {
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException("teacher id '" + id + "' must match " + ID.pattern());
    }
  }

  private static void deleteQuietly(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (var s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException ignored) {
      // a leftover staging folder is ignored by readers
    }
  }
}
