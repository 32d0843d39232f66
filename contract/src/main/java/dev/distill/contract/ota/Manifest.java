package dev.distill.contract.ota;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * What the publisher vouches for when it assigns a model version to a device: which artifact
 * (by hash and exact length), until when the statement holds, under which rollout, and
 * whether going to a lower version is deliberate.
 *
 * <p>The signature covers {@link #canonicalBytes()}: ten ASCII lines, each {@code key=value}
 * followed by a single {@code \n}, in a fixed order (see {@code docs/ota-manifest.md}). A
 * device verifies the signature over the bytes it received and only then parses them, so no
 * JSON canonicalisation is ever needed.
 *
 * @param expiresAtMs after this instant a device must refuse the manifest: a captured old
 *     manifest cannot be replayed forever (a freeze attack)
 * @param rollback true only when the publisher deliberately sends a version lower than one
 *     it has assigned before; devices refuse any downgrade without it
 * @param rollbackFrom with {@code rollback}: the highest version this rollback undoes (the
 *     rollout's target); a device that has accepted a higher version refuses it, so a captured
 *     rollback cannot be replayed after a later upgrade. 0 when {@code rollback} is false
 */
public record Manifest(
    String model,
    long version,
    String sha256,
    long length,
    long issuedAtMs,
    long expiresAtMs,
    String rolloutId,
    boolean rollback,
    long rollbackFrom) {

  public static final String FORMAT_LINE = "distill-ota-manifest/2";
  public static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");
  public static final Pattern ROLLOUT_ID = Pattern.compile("[A-Za-z0-9._:-]{0,128}");
  public static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
  private static final String[] KEYS = {
    "model", "version", "sha256", "length", "issued", "expires", "rollout", "rollback", "rollback-from"
  };

  public Manifest {
    require(model != null && MODEL_NAME.matcher(model).matches(), "model must match " + MODEL_NAME);
    require(version > 0, "version must be positive");
    require(sha256 != null && SHA256_HEX.matcher(sha256).matches(), "sha256 must be 64 lowercase hex digits");
    require(length >= 0, "length must not be negative");
    require(expiresAtMs > issuedAtMs, "expiry must come after issue");
    require(rolloutId != null && ROLLOUT_ID.matcher(rolloutId).matches(), "rollout id must match " + ROLLOUT_ID);
    require(rollback ? rollbackFrom > version : rollbackFrom == 0,
        "rollback-from must exceed the version of a rollback and be 0 otherwise");
  }

  public Instant expiresAt() {
    return Instant.ofEpochMilli(expiresAtMs);
  }

  /** The exact bytes that are signed. */
  public byte[] canonicalBytes() {
    String text = FORMAT_LINE + "\n"
        + "model=" + model + "\n"
        + "version=" + version + "\n"
        + "sha256=" + sha256 + "\n"
        + "length=" + length + "\n"
        + "issued=" + issuedAtMs + "\n"
        + "expires=" + expiresAtMs + "\n"
        + "rollout=" + rolloutId + "\n"
        + "rollback=" + rollback + "\n"
        + "rollback-from=" + rollbackFrom + "\n";
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Parses canonical bytes strictly: the same lines in the same order, nothing more; so that
   * two different byte strings never mean the same manifest.
   *
   * @throws IllegalArgumentException when the bytes are not a canonical manifest
   */
  public static Manifest parse(byte[] bytes) {
    for (byte b : bytes) {
      require(b == '\n' || (b >= 0x20 && b < 0x7f), "manifest must be printable ASCII");
    }
    String text = new String(bytes, StandardCharsets.US_ASCII);
    require(text.endsWith("\n"), "manifest must end with a newline");
    String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
    require(lines.length == KEYS.length + 1, "manifest must have " + (KEYS.length + 1) + " lines");
    require(lines[0].equals(FORMAT_LINE), "manifest must start with " + FORMAT_LINE);
    String[] v = new String[KEYS.length];
    for (int i = 0; i < KEYS.length; i++) {
      String prefix = KEYS[i] + "=";
      require(lines[i + 1].startsWith(prefix), "line " + (i + 2) + " must start with " + prefix);
      v[i] = lines[i + 1].substring(prefix.length());
    }
    require(v[7].equals("true") || v[7].equals("false"), "rollback must be true or false");
    Manifest m = new Manifest(v[0], number(v[1]), v[2], number(v[3]), number(v[4]), number(v[5]), v[6],
        Boolean.parseBoolean(v[7]), number(v[8]));
    // canonical means one spelling per value: "007" or "+7" would sign differently
    require(java.util.Arrays.equals(m.canonicalBytes(), bytes), "manifest is not in canonical form");
    return m;
  }

  public static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

  private static long number(String s) {
    require(s.matches("-?[0-9]{1,19}"), "'" + s + "' is not a decimal integer");
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + s + "' is out of range", e);
    }
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
