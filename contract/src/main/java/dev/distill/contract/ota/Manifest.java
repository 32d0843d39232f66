package dev.distill.contract.ota;

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
    return CanonicalText.write(FORMAT_LINE, "model", model, "version", Long.toString(version), "sha256", sha256,
        "length", Long.toString(length), "issued", Long.toString(issuedAtMs), "expires", Long.toString(expiresAtMs),
        "rollout", rolloutId, "rollback", Boolean.toString(rollback), "rollback-from", Long.toString(rollbackFrom));
  }

  /**
   * Parses canonical bytes strictly: the same lines in the same order, nothing more; so that
   * two different byte strings never mean the same manifest.
   *
   * @throws IllegalArgumentException when the bytes are not a canonical manifest
   */
  public static Manifest parse(byte[] bytes) {
    String[] v = CanonicalText.values(bytes, "manifest", FORMAT_LINE, KEYS);
    require(v[7].equals("true") || v[7].equals("false"), "rollback must be true or false");
    Manifest m = new Manifest(v[0], number(v[1]), v[2], number(v[3]), number(v[4]), number(v[5]), v[6],
        Boolean.parseBoolean(v[7]), number(v[8]));
    CanonicalText.requireCanonical(m.canonicalBytes(), bytes, "manifest");
    return m;
  }

  public static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

  private static long number(String s) {
    return CanonicalText.number(s);
  }

  private static void require(boolean ok, String message) {
    CanonicalText.require(ok, message);
  }
}
