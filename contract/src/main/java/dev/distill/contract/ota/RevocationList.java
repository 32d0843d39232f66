package dev.distill.contract.ota;

import java.util.List;
import java.util.TreeSet;

/**
 * The root's list of keys no device may trust any more, whatever their certificates say:
 * {@code distill-ota-revocations/1} (see {@code docs/ota-manifest.md}). Each list replaces the
 * previous one, keeps its entries and has a higher {@code sequence}; a device adopts only a list
 * with a higher sequence than the one it holds, so an old list cannot be replayed to it.
 *
 * @param revoked key ids, sorted and distinct
 */
public record RevocationList(String rootKeyId, long sequence, long issuedAtMs, List<String> revoked) {
  public static final String FORMAT_LINE = "distill-ota-revocations/1";
  private static final String[] KEYS = {"root", "sequence", "issued", "revoked"};

  public RevocationList {
    CanonicalText.require(rootKeyId != null && KeyCertificate.KEY_ID.matcher(rootKeyId).matches(),
        "root must be 16 lowercase hex digits");
    CanonicalText.require(sequence > 0, "sequence must be positive");
    CanonicalText.require(issuedAtMs >= 0, "issued must not be negative");
    revoked = List.copyOf(revoked);
    for (String id : revoked) {
      CanonicalText.require(KeyCertificate.KEY_ID.matcher(id).matches(), "revoked key id '" + id + "' is not 16 lowercase hex digits");
    }
    CanonicalText.require(revoked.equals(List.copyOf(new TreeSet<>(revoked))), "revoked key ids must be sorted and distinct");
  }

  /** The next list: {@code previous}'s revocations and these, one sequence higher (the first is 1). */
  public static RevocationList next(RevocationList previous, String rootKeyId, List<String> revoke, long issuedAtMs) {
    TreeSet<String> ids = new TreeSet<>(revoke);
    long sequence = 1;
    if (previous != null) {
      CanonicalText.require(previous.rootKeyId().equals(rootKeyId), "the previous list was signed by root "
          + previous.rootKeyId() + ", not " + rootKeyId);
      ids.addAll(previous.revoked());
      sequence = previous.sequence() + 1;
    }
    return new RevocationList(rootKeyId, sequence, issuedAtMs, List.copyOf(ids));
  }

  public boolean revokes(String keyId) {
    return revoked.contains(keyId);
  }

  /** The exact bytes the root signs. */
  public byte[] canonicalBytes() {
    return CanonicalText.write(FORMAT_LINE, "root", rootKeyId, "sequence", Long.toString(sequence),
        "issued", Long.toString(issuedAtMs), "revoked", String.join(",", revoked));
  }

  /** @throws IllegalArgumentException when the bytes are not a canonical revocation list */
  public static RevocationList parse(byte[] bytes) {
    String[] v = CanonicalText.values(bytes, "revocation list", FORMAT_LINE, KEYS);
    List<String> ids = v[3].isEmpty() ? List.of() : List.of(v[3].split(",", -1));
    RevocationList r = new RevocationList(v[0], CanonicalText.number(v[1]), CanonicalText.number(v[2]), ids);
    CanonicalText.requireCanonical(r.canonicalBytes(), bytes, "revocation list");
    return r;
  }
}
