package dev.distill.client.agent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Replaces a file so that after a power cut it holds either the old or the new bytes, and the
 * new ones survive once this returns: a rename alone is atomic but may be reordered before the
 * data reaches the disk, so the data is forced first and the directory entry after.
 */
final class DurableFiles {
  private DurableFiles() {}

  static void replace(Path target, byte[] bytes) throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer b = ByteBuffer.wrap(bytes);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    syncDirectory(target.toAbsolutePath().getParent());
  }

  /** Makes a rename in {@code dir} durable; a no-op where directories cannot be opened (Windows). */
  static void syncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (UnsupportedOperationException | java.nio.file.AccessDeniedException e) {
      // not supported on this platform: the rename is as durable as it can be made here
    }
  }
}
