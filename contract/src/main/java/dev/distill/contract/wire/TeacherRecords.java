package dev.distill.contract.wire;

import dev.distill.contract.model.TeacherStore;
import dev.distill.contract.proto.TeacherChunk;
import dev.distill.contract.proto.TeacherCommit;
import dev.distill.contract.proto.TeacherFile;
import dev.distill.contract.proto.TeacherRecord;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules of the teacher topic's records ({@link TeacherRecord}: a version's files in chunks,
 * then its commit) and their keys. A file name is one plain name, never a path, so a record
 * cannot make a reader write outside the version's folder.
 */
public final class TeacherRecords {
  public static final String TYPE = TeacherRecord.getDescriptor().getFullName();
  /**
   * Bytes of file data per chunk: with its key and fields a chunk record stays far below Kafka's
   * default 1 MiB limits (the topic's max.message.bytes, the producer's max.request.size, the
   * consumer's fetch sizes), so no client needs a raised limit.
   */
  public static final int CHUNK_BYTES = 512 * 1024;
  /** A file in a version folder: letters, digits, '.', '_', '-', not starting with a dot (at most 128). */
  public static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}");
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  private TeacherRecords() {}

  public static String chunkKey(String teacherId, int version, String file, int index) {
    return teacherId + "/v" + version + "/" + file + "/" + index;
  }

  public static String commitKey(String teacherId, int version) {
    return teacherId + "/v" + version + "/commit";
  }

  /** How many chunks of {@code chunkBytes} a file of {@code length} bytes takes (an empty file: one, empty). */
  public static int chunkCount(long length, int chunkBytes) {
    long n = Math.max(1, (length + chunkBytes - 1) / chunkBytes);
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("a file of " + length + " bytes needs too many chunks of " + chunkBytes);
    }
    return (int) n;
  }

  /** @throws MalformedMessageException naming the field at fault */
  public static void validate(TeacherRecord r) {
    if (!TeacherStore.ID.matcher(r.getTeacherId()).matches()) {
      throw new MalformedMessageException(TYPE, "teacher_id", "must match " + TeacherStore.ID.pattern()
          + ", got '" + r.getTeacherId() + "'");
    }
    if (r.getVersion() < 1) {
      throw new MalformedMessageException(TYPE, "version", "must be >= 1, got " + r.getVersion());
    }
    switch (r.getBodyCase()) {
      case CHUNK -> validate(r.getChunk());
      case COMMIT -> validate(r.getCommit());
      default -> throw new MalformedMessageException(TYPE, "body", "neither a chunk nor a commit");
    }
  }

  private static void validate(TeacherChunk c) {
    fileName("chunk.file", c.getFile());
    sha256("chunk.file_sha256", c.getFileSha256());
    if (c.getCount() < 1 || c.getIndex() < 0 || c.getIndex() >= c.getCount()) {
      throw new MalformedMessageException(TYPE, "chunk.index", "must be in [0, count), got index "
          + c.getIndex() + " of " + c.getCount());
    }
    if (c.getFileLength() < 0 || c.getOffset() < 0 || c.getOffset() + c.getData().size() > c.getFileLength()) {
      throw new MalformedMessageException(TYPE, "chunk.data", c.getData().size() + " bytes at offset "
          + c.getOffset() + " do not fit in a file of " + c.getFileLength() + " bytes");
    }
  }

  private static void validate(TeacherCommit c) {
    if (c.getFilesCount() == 0) {
      throw new MalformedMessageException(TYPE, "commit.files", "is empty");
    }
    Set<String> names = new HashSet<>();
    for (TeacherFile f : c.getFilesList()) {
      fileName("commit.files.name", f.getName());
      if (!names.add(f.getName())) {
        throw new MalformedMessageException(TYPE, "commit.files.name", "'" + f.getName() + "' is listed twice");
      }
      sha256("commit.files.sha256", f.getSha256());
      if (f.getLength() < 0 || f.getChunks() < 1) {
        throw new MalformedMessageException(TYPE, "commit.files", f.getName() + ": length " + f.getLength()
            + " and chunks " + f.getChunks() + " must be >= 0 and >= 1");
      }
    }
  }

  private static void fileName(String field, String name) {
    if (!FILE_NAME.matcher(name).matches()) {
      throw new MalformedMessageException(TYPE, field, "must be a plain file name matching " + FILE_NAME.pattern()
          + ", got '" + name + "'");
    }
  }

  private static void sha256(String field, String hex) {
    if (!SHA256.matcher(hex).matches()) {
      throw new MalformedMessageException(TYPE, field, "must be 64 lower-case hex digits, got '" + hex + "'");
    }
  }
}
