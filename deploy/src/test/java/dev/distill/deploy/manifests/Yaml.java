package dev.distill.deploy.manifests;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** YAML documents as Jackson trees; the mapper refuses unknown properties of the types it binds. */
public final class Yaml {
  public static final ObjectMapper MAPPER = new ObjectMapper(new YAMLFactory())
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private Yaml() {}

  /** Every non-empty document of a multi-document YAML file, in order. */
  public static List<ObjectNode> documents(Path file) {
    try (var parser = MAPPER.getFactory().createParser(file.toFile())) {
      List<ObjectNode> docs = new ArrayList<>();
      var it = MAPPER.readValues(parser, JsonNode.class);
      while (it.hasNext()) {
        JsonNode n = it.next();
        if (n != null && !n.isNull() && !n.isMissingNode()) {
          if (!n.isObject()) {
            throw new IllegalArgumentException(file + ": a document is not a mapping: " + n);
          }
          docs.add((ObjectNode) n);
        }
      }
      return docs;
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": " + e.getMessage(), e);
    }
  }

  public static List<ObjectNode> documents(String text) {
    try (var parser = MAPPER.getFactory().createParser(text)) {
      List<ObjectNode> docs = new ArrayList<>();
      var it = MAPPER.readValues(parser, JsonNode.class);
      while (it.hasNext()) {
        JsonNode n = it.next();
        if (n != null && n.isObject()) {
          docs.add((ObjectNode) n);
        }
      }
      return docs;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
