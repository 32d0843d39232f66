package dev.distill.deploy.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * An image as {@code jib:buildTar} writes it (the {@code docker save} layout: {@code manifest.json},
 * the image config, one gzipped tar per layer), read without a container engine.
 *
 * @param config the image config ({@code config.Entrypoint}, {@code config.User}, ...)
 * @param layers each layer's entries, base first
 */
record ImageTar(Path file, List<String> repoTags, JsonNode config, List<List<Entry>> layers) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A file, folder or link of a layer, its path without a leading {@code /} or {@code ./}. */
  record Entry(String path, char type, long size, int mode, long uid, long gid, String link) {
    static final char FILE = 'f';
    static final char DIRECTORY = 'd';
    static final char SYMLINK = 'l';
    static final char OTHER = '?';
  }

  static ImageTar read(Path file) throws IOException {
    JsonNode manifest = JSON.readTree(member(file, "manifest.json")).get(0);
    JsonNode config = JSON.readTree(member(file, manifest.get("Config").asText()));
    List<String> layerNames = new ArrayList<>();
    manifest.get("Layers").forEach(l -> layerNames.add(l.asText()));
    List<String> tags = new ArrayList<>();
    manifest.path("RepoTags").forEach(t -> tags.add(t.asText()));

    Map<String, List<Entry>> byName = new HashMap<>();
    try (TarArchiveInputStream image = new TarArchiveInputStream(Files.newInputStream(file))) {
      for (TarArchiveEntry e; (e = image.getNextEntry()) != null; ) {
        if (layerNames.contains(e.getName())) {
          byName.put(e.getName(), entries(e.getName().endsWith(".gz") ? new GZIPInputStream(image) : image));
        }
      }
    }
    List<List<Entry>> layers = new ArrayList<>();
    for (String name : layerNames) {
      List<Entry> layer = byName.get(name);
      if (layer == null) {
        throw new IOException(file + " lacks its layer " + name);
      }
      layers.add(layer);
    }
    return new ImageTar(file, tags, config, layers);
  }

  /** Every path as the running container sees it: a later layer's entry replaces an earlier one's. */
  Map<String, Entry> files() {
    Map<String, Entry> merged = new LinkedHashMap<>();
    layers.forEach(layer -> layer.forEach(e -> merged.put(e.path(), e)));
    return merged;
  }

  List<String> entrypoint() {
    List<String> out = new ArrayList<>();
    config.path("config").path("Entrypoint").forEach(a -> out.add(a.asText()));
    return out;
  }

  /** {@code NAME -> value} of the image's {@code Env}. */
  Map<String, String> environment() {
    Map<String, String> env = new LinkedHashMap<>();
    config.path("config").path("Env").forEach(v -> {
      String[] kv = v.asText().split("=", 2);
      env.put(kv[0], kv.length > 1 ? kv[1] : "");
    });
    return env;
  }

  String user() {
    return config.path("config").path("User").asText("");
  }

  String workingDir() {
    return config.path("config").path("WorkingDir").asText("");
  }

  List<String> exposedPorts() {
    List<String> out = new ArrayList<>();
    config.path("config").path("ExposedPorts").fieldNames().forEachRemaining(out::add);
    return out;
  }

  /** Layer by layer into {@code root}, by GNU tar as root would (owners, modes and links as stored). */
  void extractTo(Path root, Path scratch) throws IOException, InterruptedException {
    run(List.of("tar", "-xf", file.toString(), "-C", scratch.toString()), scratch);
    for (JsonNode l : JSON.readTree(member(file, "manifest.json")).get(0).get("Layers")) {
      run(List.of("tar", "-xzf", scratch.resolve(l.asText()).toString(), "-C", root.toString()), scratch);
    }
  }

  private static void run(List<String> command, Path scratch) throws IOException, InterruptedException {
    Path log = Files.createTempFile(scratch, "tar", ".log");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (p.waitFor() != 0) {
      throw new IOException(command + " failed: " + Files.readString(log));
    }
  }

  private static List<Entry> entries(InputStream layerTar) throws IOException {
    List<Entry> out = new ArrayList<>();
    // not closed: closing would close the image stream the layer is read from
    TarArchiveInputStream layer = new TarArchiveInputStream(layerTar);
    for (TarArchiveEntry e; (e = layer.getNextEntry()) != null; ) {
      String path = e.getName().replaceFirst("^\\./", "").replaceFirst("^/", "").replaceFirst("/$", "");
      char type = e.isSymbolicLink() ? Entry.SYMLINK : e.isDirectory() ? Entry.DIRECTORY
          : e.isFile() ? Entry.FILE : Entry.OTHER;
      out.add(new Entry(path, type, e.getSize(), e.getMode(), e.getLongUserId(), e.getLongGroupId(), e.getLinkName()));
    }
    return out;
  }

  private static byte[] member(Path file, String name) throws IOException {
    try (TarArchiveInputStream image = new TarArchiveInputStream(Files.newInputStream(file))) {
      for (TarArchiveEntry e; (e = image.getNextEntry()) != null; ) {
        if (e.getName().equals(name)) {
          return image.readAllBytes();
        }
      }
    }
    throw new IOException(file + " has no " + name);
  }
}
