package dev.distill.deploy.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The test renderer ({@link Kustomize}), which every other manifest test reads the overlays
 * through, against the real kustomize built into kubectl: the same objects, the same images, the
 * same configuration, and in the end the same fields, so the two cannot drift apart. Without
 * kubectl these tests are skipped, and under CI they fail.
 */
class KubectlKustomizeTest {
  @ParameterizedTest
  @ValueSource(strings = {"base", "overlays/dev", "overlays/production"})
  void rendersTheSameObjectsAsTheTestRenderer(String dir) {
    assertThat(real(dir).keySet()).isNotEmpty().isEqualTo(ours(dir).keySet());
  }

  @ParameterizedTest
  @ValueSource(strings = {"base", "overlays/dev", "overlays/production"})
  void everyWorkloadRunsTheImagesTheTestRendererGivesIt(String dir) {
    Map<String, String> images = images(real(dir));
    assertThat(images).hasSizeGreaterThanOrEqualTo(3);
    assertThat(images(ours(dir))).isEqualTo(images);
  }

  @ParameterizedTest
  @ValueSource(strings = {"base", "overlays/dev", "overlays/production"})
  void everyConfigMapHoldsTheDataTheTestRendererGivesIt(String dir) {
    Map<String, JsonNode> data = configMapData(real(dir));
    assertThat(data).containsKeys("v1 ConfigMap distill/distill-config", "v1 ConfigMap distill/distill-grafana-dashboard");
    assertThat(configMapData(ours(dir))).isEqualTo(data);
  }

  @ParameterizedTest
  @ValueSource(strings = {"base", "overlays/dev", "overlays/production"})
  void everyObjectAgreesFieldByFieldWithTheTestRenderer(String dir) {
    Map<String, ObjectNode> theirs = real(dir);
    Map<String, ObjectNode> ours = ours(dir);
    for (String id : theirs.keySet()) {
      assertThat(normalized(ours.get(id))).as(id).isEqualTo(normalized(theirs.get(id)));
    }
  }

  /** {@code kubectl kustomize deploy/<dir>}, by {@link #id}. */
  private static Map<String, ObjectNode> real(String dir) {
    return byId(Yaml.documents(Kubectl.kustomize(DeployDir.root().resolve(dir))));
  }

  private static Map<String, ObjectNode> ours(String dir) {
    return byId(Kustomize.build(DeployDir.root().resolve(dir)));
  }

  /** What names an object in a cluster: {@code apiVersion kind namespace/name}. */
  static String id(JsonNode o) {
    JsonNode meta = o.path("metadata");
    String ns = meta.path("namespace").asText("");
    return o.path("apiVersion").asText() + " " + o.path("kind").asText() + " "
        + (ns.isEmpty() ? "" : ns + "/") + meta.path("name").asText();
  }

  private static Map<String, ObjectNode> byId(List<ObjectNode> docs) {
    Map<String, ObjectNode> m = new TreeMap<>();
    for (ObjectNode d : docs) {
      assertThat(m.put(id(d), d)).as("%s twice", id(d)).isNull();
    }
    return m;
  }

  /** Each container of each pod template, {@code <object id> <container>}, to its image. */
  private static Map<String, String> images(Map<String, ObjectNode> objects) {
    Map<String, String> m = new TreeMap<>();
    objects.forEach((id, o) -> {
      for (String list : List.of("initContainers", "containers")) {
        for (JsonNode c : o.path("spec").path("template").path("spec").path(list)) {
          m.put(id + " " + c.path("name").asText(), c.path("image").asText());
        }
      }
    });
    return m;
  }

  private static Map<String, JsonNode> configMapData(Map<String, ObjectNode> objects) {
    Map<String, JsonNode> m = new TreeMap<>();
    objects.forEach((id, o) -> {
      if (o.path("kind").asText().equals("ConfigMap")) {
        m.put(id, o.path("data"));
      }
    });
    return m;
  }

  /**
   * Lists whose items all have a name are ordered by it: the lists that kustomize merges by name
   * (containers, env, volumes) are sets, and their order after a merge is no part of the meaning.
   */
  private static JsonNode normalized(JsonNode n) {
    if (n.isObject()) {
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      n.fields().forEachRemaining(e -> o.set(e.getKey(), normalized(e.getValue())));
      return o;
    }
    if (n.isArray()) {
      List<JsonNode> items = new ArrayList<>();
      n.forEach(e -> items.add(normalized(e)));
      if (items.stream().allMatch(e -> e.has("name"))) {
        items.sort(Comparator.comparing((Function<JsonNode, String>) e -> e.path("name").asText()));
      }
      ArrayNode a = JsonNodeFactory.instance.arrayNode();
      items.forEach(a::add);
      return a;
    }
    return n;
  }
}
