package dev.distill.contract.ota;

/**
 * What the trainer vouches for when it publishes a version: this model's version is exactly the
 * artifact with this hash and length. Signed by the trainer's image key, it travels with the
 * version to the publisher and, unchanged, to every device, which installs an artifact only when
 * the publisher's manifest and this statement name the same one: a publisher key alone cannot
 * ship a model the trainer never made.
 *
 * <p>The signature covers {@link #canonicalBytes()}: {@code distill-ota-image/1} and four
 * {@code key=value} lines, the same rules as the {@link Manifest} (see {@code docs/ota-manifest.md}).
 */
public record ImageStatement(String model, long version, String sha256, long length) {
  public static final String FORMAT_LINE = "distill-ota-image/1";
  private static final String[] KEYS = {"model", "version", "sha256", "length"};

  public ImageStatement {
    CanonicalText.require(model != null && Manifest.MODEL_NAME.matcher(model).matches(), "model must match " + Manifest.MODEL_NAME);
    CanonicalText.require(version > 0, "version must be positive");
    CanonicalText.require(sha256 != null && Manifest.SHA256_HEX.matcher(sha256).matches(),
        "sha256 must be 64 lowercase hex digits");
    CanonicalText.require(length >= 0, "length must not be negative");
  }

  /** The statement a manifest's artifact needs: the same model, version, hash and length. */
  public static ImageStatement of(Manifest m) {
    return new ImageStatement(m.model(), m.version(), m.sha256(), m.length());
  }

  /** The statement of a published version's artifact: its {@code sha256} and {@code size_bytes}. */
  public static ImageStatement of(dev.distill.contract.proto.ModelVersion v) {
    return new ImageStatement(v.getModelName(), v.getVersion(), v.getSha256(), v.getSizeBytes());
  }

  /** The exact bytes that are signed. */
  public byte[] canonicalBytes() {
    return CanonicalText.write(FORMAT_LINE, "model", model, "version", Long.toString(version), "sha256", sha256,
        "length", Long.toString(length));
  }

  /** @throws IllegalArgumentException when the bytes are not a canonical image statement */
  public static ImageStatement parse(byte[] bytes) {
    String[] v = CanonicalText.values(bytes, "image statement", FORMAT_LINE, KEYS);
    ImageStatement s = new ImageStatement(v[0], CanonicalText.number(v[1]), v[2], CanonicalText.number(v[3]));
    CanonicalText.requireCanonical(s.canonicalBytes(), bytes, "image statement");
    return s;
  }
}
