package dev.distill.client.agent;

import dev.distill.client.agent.UpdateRejectedException.Reason;
import dev.distill.contract.ota.Manifest;
import dev.distill.contract.ota.RevocationList;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a device remembers across restarts so that old signed manifests cannot be replayed to
 * it: the highest version it has accepted (a rollback must name a version at least this high
 * as the one it rolls back from) and the newest {@code issued} time of a manifest it has
 * accepted (the time floor: the publisher's clock had reached it, so an older manifest is
 * stale and anything expiring before it is expired, whatever the device's own clock says).
 * It also holds the newest root-signed revocation list it has adopted (its sequence and the
 * revoked key ids), so that a revoked key stays refused after a restart and an older list
 * cannot undo a revocation. Everything here only grows; the file is replaced durably on every
 * change.
 */
final class TrustState {
  static final String FILE = "trust.properties";

  private final Path file;
  private long highestVersion;
  private long issuedFloorMs;
  private long revocationSequence;
  private Set<String> revoked = Set.of();

  TrustState(Path dir) throws IOException {
    this.file = dir.resolve(FILE);
    if (Files.exists(file)) {
      Properties p = new Properties();
      p.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
      highestVersion = Long.parseLong(p.getProperty("highest-version", "0"));
      issuedFloorMs = Long.parseLong(p.getProperty("issued-floor-ms", "0"));
      revocationSequence = Long.parseLong(p.getProperty("revocation-sequence", "0"));
      String ids = p.getProperty("revoked-keys", "");
      revoked = ids.isEmpty() ? Set.of() : Set.of(ids.split(","));
    }
  }

  /** The key ids of the newest revocation list adopted (empty before the first). */
  synchronized Set<String> revoked() {
    return revoked;
  }

  synchronized long revocationSequence() {
    return revocationSequence;
  }

  /**
   * Adopts a root-verified revocation list if it is newer than the one held.
   *
   * @return false for a list with a sequence not above the held one's (an old list replayed, or the same again)
   */
  synchronized boolean adopt(RevocationList list) throws IOException {
    if (list.sequence() <= revocationSequence) {
      return false;
    }
    store(highestVersion, issuedFloorMs, list.sequence(), Set.copyOf(list.revoked()));
    return true;
  }

  synchronized long highestVersion() {
    return highestVersion;
  }

  synchronized long issuedFloorMs() {
    return issuedFloorMs;
  }

  /** The time to judge expiry by: the device clock, but never before the time floor (it may be set back). */
  synchronized Instant now(Clock clock) {
    Instant floor = Instant.ofEpochMilli(issuedFloorMs);
    return clock.instant().isBefore(floor) ? floor : clock.instant();
  }

  /**
   * Refuses a verified manifest that is older than one already accepted, or that goes below the
   * highest accepted version without a signed rollback from at least that version.
   */
  synchronized void check(Manifest m, long installed) throws UpdateRejectedException {
    if (m.issuedAtMs() < issuedFloorMs) {
      throw new UpdateRejectedException(Reason.STALE_MANIFEST, "manifest for version " + m.version() + " was issued at "
          + Instant.ofEpochMilli(m.issuedAtMs()) + ", before one this device has accepted ("
          + Instant.ofEpochMilli(issuedFloorMs) + ")");
    }
    long highest = Math.max(installed, highestVersion);
    if (m.version() < highest && !m.rollback()) {
      throw new UpdateRejectedException(Reason.ROLLBACK_REFUSED, "version " + m.version() + " is lower than version "
          + highest + " this device has accepted, and the publisher did not sign a rollback");
    }
    if (m.version() < highest && m.rollbackFrom() < highest) {
      throw new UpdateRejectedException(Reason.ROLLBACK_REFUSED, "the rollback to version " + m.version() + " undoes versions up to "
          + m.rollbackFrom() + ", but this device has accepted version " + highest + " since (a replayed rollback)");
    }
  }

  /** Raises the version and the time floor to these values where they are higher. */
  synchronized void accept(long version, long issuedAtMs) throws IOException {
    long v = Math.max(highestVersion, version);
    long t = Math.max(issuedFloorMs, issuedAtMs);
    if (v == highestVersion && t == issuedFloorMs) {
      return;
    }
    store(v, t, revocationSequence, revoked);
  }

  private void store(long version, long floorMs, long sequence, Set<String> revokedKeys) throws IOException {
    Properties p = new Properties();
    p.setProperty("highest-version", Long.toString(version));
    p.setProperty("issued-floor-ms", Long.toString(floorMs));
    p.setProperty("revocation-sequence", Long.toString(sequence));
    p.setProperty("revoked-keys", String.join(",", new TreeSet<>(revokedKeys)));
    StringWriter w = new StringWriter();
    p.store(w, "highest accepted version, newest accepted manifest issue time (epoch ms), newest adopted revocation list");
    DurableFiles.replace(file, w.toString().getBytes(StandardCharsets.UTF_8));
    highestVersion = version;
    issuedFloorMs = floorMs;
    revocationSequence = sequence;
    revoked = revokedKeys;
  }
}
