package dev.distill.client.agent;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;

/**
 * Two model slots, A and B, and a state file naming the active one and the previous one.
 * A new model is written into the inactive slot and becomes active by an atomic rename of the
 * state file, so a power cut leaves either the old or the new state, never a mix; reverting
 * is the same rename back. Every write is forced to the disk before the rename that publishes
 * it (see {@link DurableFiles}), so the state never names a slot whose bytes are not there.
 */
public final class Slots {
  /** What a slot holds. */
  public record Slot(String name, long version, String sha256, String rolloutId, Path file) {}

  private final Path dir;
  private final Path stateFile;

  public Slots(Path dir) throws IOException {
    this.dir = dir;
    this.stateFile = dir.resolve("slots.properties");
    Files.createDirectories(dir);
  }

  public Path dir() {
    return dir;
  }

  public synchronized Optional<Slot> active() throws IOException {
    Properties p = state();
    return slot(p, p.getProperty("active"));
  }

  public synchronized Optional<Slot> previous() throws IOException {
    Properties p = state();
    return slot(p, p.getProperty("previous"));
  }

  /** Writes the artifact into the inactive slot and makes it active; the old active becomes previous. */
  public synchronized Slot install(byte[] artifact, long version, String sha256, String rolloutId) throws IOException {
    Properties p = state();
    String active = p.getProperty("active");
    String target = "a".equals(active) ? "b" : "a";
    DurableFiles.replace(dir.resolve("slot-" + target + ".onnx"), artifact);
    p.setProperty(target + ".version", Long.toString(version));
    p.setProperty(target + ".sha256", sha256);
    p.setProperty(target + ".rollout", rolloutId == null ? "" : rolloutId);
    if (active != null) {
      p.setProperty("previous", active);
    } else {
      p.remove("previous");
    }
    p.setProperty("active", target);
    save(p);
    return slot(p, target).orElseThrow();
  }

  /**
   * The active slot, once its file is checked against the hash it was installed with: a slot whose
   * bytes changed on the disk since (a failing flash, a hand's edit) is left for the previous one,
   * and with no intact slot there is none. Costs a read of the model: run it at start-up.
   */
  public synchronized Optional<Slot> activeIntact() throws IOException {
    Optional<Slot> active = active();
    if (active.isEmpty() || intact(active.get())) {
      return active;
    }
    Optional<Slot> previous = revert();
    if (previous.isPresent() && intact(previous.get())) {
      return previous;
    }
    if (previous.isPresent()) {
      revert(); // no previous left: nothing is active
    }
    return Optional.empty();
  }

  static boolean intact(Slot slot) throws IOException {
    return Files.exists(slot.file()) && DeviceAgent.sha256(Files.readAllBytes(slot.file())).equals(slot.sha256());
  }

  /** Makes the previous slot active again (after a failed health check). */
  public synchronized Optional<Slot> revert() throws IOException {
    Properties p = state();
    String previous = p.getProperty("previous");
    if (previous == null) {
      p.remove("active");
    } else {
      p.setProperty("active", previous);
      p.remove("previous");
    }
    save(p);
    return slot(p, p.getProperty("active"));
  }

  private Optional<Slot> slot(Properties p, String name) {
    if (name == null || p.getProperty(name + ".version") == null) {
      return Optional.empty();
    }
    return Optional.of(new Slot(name, Long.parseLong(p.getProperty(name + ".version")), p.getProperty(name + ".sha256"),
        p.getProperty(name + ".rollout", ""), dir.resolve("slot-" + name + ".onnx")));
  }

  private Properties state() throws IOException {
    Properties p = new Properties();
    if (Files.exists(stateFile)) {
      try (Reader r = Files.newBufferedReader(stateFile)) {
        p.load(r);
      }
    }
    return p;
  }

  private void save(Properties p) throws IOException {
    StringWriter w = new StringWriter();
    p.store(w, "active model slot");
    DurableFiles.replace(stateFile, w.toString().getBytes(StandardCharsets.UTF_8));
  }
}
