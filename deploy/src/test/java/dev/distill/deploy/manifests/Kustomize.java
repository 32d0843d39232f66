package dev.distill.deploy.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Renders a kustomization the way {@code kustomize build} does, for the features deploy/ uses and
 * no others: {@code resources} (files and folders with their own kustomization), {@code images}
 * (new name, tag or digest of containers' images), {@code namespace}, {@code labels} (metadata
 * only), {@code configMapGenerator} from files without a hash suffix, and {@code patches} by path as strategic merge patches (maps merged, {@code null}
 * deletes, the lists Kubernetes merges by key merged by that key, other lists replaced). A
 * kustomization that asks for anything else fails to render rather than render wrongly.
 * KubectlKustomizeTest compares the result with {@code kubectl kustomize}.
 */
public final class Kustomize {
  /** Lists that Kubernetes' strategic merge patch merges element by element, and their keys. */
  private static final Map<String, String> MERGE_KEYS = Map.of(
      "containers", "name",
      "initContainers", "name",
      "env", "name",
      "volumes", "name",
      "volumeMounts", "mountPath");
  private static final Set<String> CLUSTER_SCOPED = Set.of("Namespace");

  private Kustomize() {}

  /** The name of an image reference, without its tag or digest ({@code registry:5000/a/b:1} gives {@code registry:5000/a/b}). */
  public static String imageName(String ref) {
    String r = ref.contains("@") ? ref.substring(0, ref.indexOf('@')) : ref;
    int colon = r.lastIndexOf(':');
    return colon > r.lastIndexOf('/') ? r.substring(0, colon) : r;
  }

  /** kustomize's rule: a new name keeps the old tag unless a new tag or digest is given. */
  static String override(String ref, Crds.ImageOverride o) {
    String name = o.newName() != null ? o.newName() : imageName(ref);
    if (o.digest() != null) {
      return name + "@" + o.digest();
    }
    if (o.newTag() != null) {
      return name + ":" + o.newTag();
    }
    return name + ref.substring(imageName(ref).length());
  }

  /** The resources of the kustomization in {@code dir}, in order. */
  public static List<ObjectNode> build(Path dir) {
    Path file = dir.resolve("kustomization.yaml");
    ObjectNode raw = Yaml.documents(file).get(0);
    Crds.Kustomization k = Models.strict(raw, Crds.Kustomization.class);
    List<ObjectNode> out = new ArrayList<>();
    for (String r : nonNull(k.resources())) {
      Path p = dir.resolve(r).normalize();
      if (Files.isDirectory(p)) {
        out.addAll(build(p));
      } else {
        out.addAll(Yaml.documents(p));
      }
    }
    for (Crds.ConfigMapGenerator g : nonNull(k.configMapGenerator())) {
      out.add(configMap(dir, g));
    }
    for (Crds.PatchRef patch : nonNull(k.patches())) {
      for (ObjectNode p : Yaml.documents(dir.resolve(patch.path()))) {
        ObjectNode target = find(out, p).orElseThrow(() -> new IllegalArgumentException(
            dir + "/" + patch.path() + ": no resource " + id(p) + " to patch"));
        merge(target, p, "");
      }
    }
    for (Crds.ImageOverride image : nonNull(k.images())) {
      for (ObjectNode r : out) {
        for (String containers : List.of("containers", "initContainers")) {
          for (JsonNode c : r.path("spec").path("template").path("spec").path(containers)) {
            String ref = c.path("image").asText("");
            if (!ref.isEmpty() && imageName(ref).equals(image.name())) {
              ((ObjectNode) c).put("image", override(ref, image));
            }
          }
        }
      }
    }
    if (k.namespace() != null) {
      for (ObjectNode r : out) {
        if (CLUSTER_SCOPED.contains(r.path("kind").asText())) {
          if (r.path("kind").asText().equals("Namespace")) {
            ((ObjectNode) r.get("metadata")).put("name", k.namespace());
          }
        } else {
          ((ObjectNode) r.with("metadata")).put("namespace", k.namespace());
        }
      }
    }
    for (Crds.LabelSet l : nonNull(k.labels())) {
      if (Boolean.TRUE.equals(l.includeSelectors()) || Boolean.TRUE.equals(l.includeTemplates())) {
        throw new IllegalArgumentException(file + ": labels into selectors or templates are not rendered here");
      }
      for (ObjectNode r : out) {
        ObjectNode labels = r.with("metadata").with("labels");
        l.pairs().forEach(labels::put);
      }
    }
    return out;
  }

  public static String id(JsonNode r) {
    return r.path("kind").asText() + "/" + r.path("metadata").path("name").asText();
  }

  private static java.util.Optional<ObjectNode> find(List<ObjectNode> resources, JsonNode patch) {
    return resources.stream().filter(r -> id(r).equals(id(patch))
        && r.path("apiVersion").asText().equals(patch.path("apiVersion").asText())).findFirst();
  }

  private static ObjectNode configMap(Path dir, Crds.ConfigMapGenerator g) {
    if (g.options() == null || !Boolean.TRUE.equals(g.options().disableNameSuffixHash())) {
      throw new IllegalArgumentException(g.name() + ": only generators without a hash suffix are rendered here");
    }
    ObjectNode cm = JsonNodeFactory.instance.objectNode();
    cm.put("apiVersion", "v1").put("kind", "ConfigMap");
    ObjectNode meta = cm.putObject("metadata");
    meta.put("name", g.name());
    if (g.options().labels() != null) {
      ObjectNode labels = meta.putObject("labels");
      g.options().labels().forEach(labels::put);
    }
    ObjectNode data = cm.putObject("data");
    for (String f : nonNull(g.files())) {
      Path p = dir.resolve(f).normalize();
      if (!p.startsWith(dir)) {
        throw new IllegalArgumentException(f + " is outside " + dir + " (kustomize refuses it)");
      }
      try {
        data.put(p.getFileName().toString(), Files.readString(p));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return cm;
  }

  /** Strategic merge of {@code patch} into {@code target}. */
  static void merge(ObjectNode target, ObjectNode patch, String field) {
    Iterator<Map.Entry<String, JsonNode>> it = patch.fields();
    while (it.hasNext()) {
      var e = it.next();
      String key = e.getKey();
      JsonNode value = e.getValue();
      JsonNode current = target.get(key);
      if (value.isNull()) {
        target.remove(key);
      } else if (value.isObject() && current != null && current.isObject()) {
        merge((ObjectNode) current, (ObjectNode) value, key);
      } else if (value.isArray() && current != null && current.isArray() && MERGE_KEYS.containsKey(key)) {
        mergeList((ArrayNode) current, (ArrayNode) value, MERGE_KEYS.get(key));
      } else {
        target.set(key, value.deepCopy());
      }
    }
  }

  private static void mergeList(ArrayNode current, ArrayNode patch, String mergeKey) {
    for (JsonNode p : patch) {
      ObjectNode match = null;
      for (JsonNode c : current) {
        if (c.path(mergeKey).equals(p.path(mergeKey))) {
          match = (ObjectNode) c;
        }
      }
      if (match == null) {
        current.add(p.deepCopy());
      } else {
        merge(match, (ObjectNode) p, mergeKey);
      }
    }
  }

  private static <T> List<T> nonNull(List<T> l) {
    return l == null ? List.of() : l;
  }
}
