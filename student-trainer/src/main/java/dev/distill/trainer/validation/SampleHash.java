package dev.distill.trainer.validation;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Where a sample id falls in {@code [0, 1)}: the first 8 bytes of the SHA-256 of its UTF-8 bytes,
 * as an unsigned fraction. The same id lands on the same point in every process, run and trainer
 * (no seed, no JVM hash), so a split by it is stable across restarts and across models.
 */
public final class SampleHash {
  private static final double TWO_TO_MINUS_53 = 0x1.0p-53;
  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  });

  private SampleHash() {}

  /** The first 8 bytes of SHA-256(id), big-endian; compare them unsigned. */
  public static long of(String id) {
    return ByteBuffer.wrap(SHA256.get().digest(id.getBytes(StandardCharsets.UTF_8))).getLong();
  }

  /** {@link #of} as a fraction in {@code [0, 1)}: its top 53 bits over {@code 2^53}. */
  public static double position(String id) {
    return position(of(id));
  }

  static double position(long hash) {
    return (hash >>> 11) * TWO_TO_MINUS_53;
  }

  /** Whether a split holding out {@code fraction} of all ids holds out this one. */
  public static boolean heldOut(String id, double fraction) {
    return position(id) < fraction;
  }
}
