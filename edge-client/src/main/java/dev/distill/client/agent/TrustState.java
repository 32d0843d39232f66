package dev.distill.client.agent;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * What a device remembers across restarts so that old signed manifests cannot be replayed to
 * it: the highest version it has accepted (a rollback must name a version at least this high
 * as the one it rolls back from) and the newest {@code issued} time of a manifest it has
 * accepted (the time floor: the publisher's clock had reached it, so an older manifest is
 * stale and anything expiring before it is expired, whatever the device's own clock says).
 * Both only grow; the file is replaced durably on every change.
 */
final class TrustState {
  static final String FILE = "trust.properties";

  private final Path file;
  private long highestVersion;
  private long issuedFloorMs;

  TrustState(Path dir) throws IOException {
    this.file = dir.resolve(FILE);
    if (Files.exists(file)) {
      Properties p = new Properties();
      p.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
      highestVersion = Long.parseLong(p.getProperty("highest-version", "0"));
      issuedFloorMs = Long.parseLong(p.getProperty("issued-floor-ms", "0"));
    }
  }

  synchronized long highestVersion() {
    return highestVersion;
  }

  synchronized long issuedFloorMs() {
    return issuedFloorMs;
  }

  /** Raises the version and the time floor to these values where they are higher. */
  synchronized void accept(long version, long issuedAtMs) throws IOException {
    long v = Math.max(highestVersion, version);
    long t = Math.max(issuedFloorMs, issuedAtMs);
    if (v == highestVersion && t == issuedFloorMs) {
      return;
    }
    Properties p = new Properties();
    p.setProperty("highest-version", Long.toString(v));
    p.setProperty("issued-floor-ms", Long.toString(t));
    StringWriter w = new StringWriter();
    p.store(w, "highest accepted version and newest accepted manifest issue time (epoch ms)");
    DurableFiles.replace(file, w.toString().getBytes(StandardCharsets.UTF_8));
    highestVersion = v;
    issuedFloorMs = t;
  }
}
