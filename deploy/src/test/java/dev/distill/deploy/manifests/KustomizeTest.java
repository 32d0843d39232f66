package dev.distill.deploy.manifests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KustomizeTest {
  @Test
  void theDevOverlayRunsOneBrokerWithReplicationOneAndOneInstanceOfEachService() {
    Rendered dev = Rendered.overlay("dev");
    assertThat(dev.one("KafkaNodePool", "dual-role", KafkaNodePool.class).getSpec().getReplicas()).isEqualTo(1);
    Map<String, Object> kafka = dev.one("Kafka", "distill", Kafka.class).getSpec().getKafka().getConfig();
    assertThat(kafka).containsEntry("default.replication.factor", 1).containsEntry("min.insync.replicas", 1)
        .containsEntry("transaction.state.log.replication.factor", 1).containsEntry("transaction.state.log.min.isr", 1);
    assertThat(dev.config().getData()).containsEntry("DISTILL_REPLICATION_FACTOR", "1")
        .containsEntry("DISTILL_PARTITIONS", "12"); // the base's values that the patch leaves alone survive
    assertThat(dev.deployments()).allSatisfy(d -> assertThat(d.getSpec().getReplicas()).as(name(d)).isEqualTo(1));
    assertThat(gpuLimits(dev)).isEmpty();
    Deployment trainer = dev.one("Deployment", "student-trainer", Deployment.class);
    var env = trainer.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv();
    assertThat(env).filteredOn(e -> e.getName().equals("DISTILL_TRAINER_ARCHITECTURE"))
        .singleElement().satisfies(e -> assertThat(e.getValue()).isEqualTo("mlp:784-128-10"));
    // merged by name: the base's variables are still there, once each
    assertThat(env).filteredOn(e -> e.getName().equals("DISTILL_TRAINER_VALIDATION_FRACTION")).hasSize(1);
  }

  @Test
  void theProductionOverlayRunsThreeBrokersAndTheTrainerOnAGpuNode() {
    Rendered prod = Rendered.overlay("production");
    assertThat(prod.one("KafkaNodePool", "dual-role", KafkaNodePool.class).getSpec().getReplicas()).isEqualTo(3);
    assertThat(prod.config().getData()).containsEntry("DISTILL_REPLICATION_FACTOR", "3");
    Deployment trainer = prod.one("Deployment", "student-trainer", Deployment.class);
    var pod = trainer.getSpec().getTemplate().getSpec();
    assertThat(pod.getNodeSelector()).containsEntry("nvidia.com/gpu.present", "true");
    assertThat(pod.getTolerations()).anySatisfy(t -> {
      assertThat(t.getKey()).isEqualTo("nvidia.com/gpu");
      assertThat(t.getOperator()).isEqualTo("Exists");
      assertThat(t.getEffect()).isEqualTo("NoSchedule");
    });
    assertThat(gpuLimits(prod)).containsExactly("student-trainer");
    assertThat(trainer.getSpec().getReplicas()).isEqualTo(1);
    assertThat(prod.one("Deployment", "teacher-scorer", Deployment.class).getSpec().getReplicas())
        .isLessThanOrEqualTo(Integer.parseInt(prod.config().getData().get("DISTILL_PARTITIONS")));
  }

  @Test
  void aPatchForAResourceThatDoesNotExistFailsToRender(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("kustomization.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [" + DeployDir.root().resolve("base") + "]\n"
        + "patches:\n  - path: p.yaml\n");
    Files.writeString(dir.resolve("p.yaml"), "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: teacher-scorr\n");
    assertThatThrownBy(() -> Kustomize.build(dir)).hasMessageContaining("no resource Deployment/teacher-scorr");
  }

  /** The renderer above agrees with the real kustomize (built into kubectl), where kubectl exists. */
  @ParameterizedTest
  @ValueSource(strings = {"dev", "production"})
  void rendersWhatKubectlKustomizeRenders(String overlay) throws Exception {
    Path kubectl = onPath("kubectl");
    assumeTrue(kubectl != null, "kubectl is not installed: the renderer is checked by the other tests only");
    Process p = new ProcessBuilder(kubectl.toString(), "kustomize", DeployDir.root().resolve("overlays/" + overlay)
        .toString()).redirectErrorStream(false).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(err).isZero();
    Map<String, JsonNode> theirs = byId(Yaml.documents(out));
    Map<String, JsonNode> ours = byId(Rendered.overlay(overlay).documents());
    assertThat(ours.keySet()).isEqualTo(theirs.keySet());
    for (String id : ours.keySet()) {
      assertThat(normalized(ours.get(id))).as(id).isEqualTo(normalized(theirs.get(id)));
    }
  }

  private static List<String> gpuLimits(Rendered r) {
    List<String> out = new ArrayList<>();
    for (Deployment d : r.deployments()) {
      for (var c : d.getSpec().getTemplate().getSpec().getContainers()) {
        Map<String, Quantity> limits = c.getResources().getLimits();
        if (limits != null && limits.containsKey("nvidia.com/gpu")) {
          out.add(name(d));
        }
      }
    }
    return out;
  }

  private static String name(Deployment d) {
    return d.getMetadata().getName();
  }

  private static Map<String, JsonNode> byId(List<ObjectNode> docs) {
    Map<String, JsonNode> m = new TreeMap<>();
    docs.forEach(d -> m.put(Kustomize.id(d), d));
    return m;
  }

  /** Kubernetes lists merged by key are sets: their order after a merge is no part of the meaning. */
  private static JsonNode normalized(JsonNode n) {
    if (n.isObject()) {
      ObjectNode o = ((ObjectNode) n).objectNode();
      new TreeMap<String, JsonNode>(Map.ofEntries(iterable(n))).forEach((k, v) -> o.set(k, normalized(v)));
      return o;
    }
    if (n.isArray()) {
      List<JsonNode> items = new ArrayList<>();
      n.forEach(e -> items.add(normalized(e)));
      if (items.stream().allMatch(e -> e.has("name"))) {
        items.sort((a, b) -> a.path("name").asText().compareTo(b.path("name").asText()));
      }
      ArrayNode a = ((ArrayNode) n).arrayNode();
      items.forEach(a::add);
      return a;
    }
    return n;
  }

  @SuppressWarnings("unchecked")
  private static Map.Entry<String, JsonNode>[] iterable(JsonNode n) {
    List<Map.Entry<String, JsonNode>> l = new ArrayList<>();
    n.fields().forEachRemaining(l::add);
    return l.toArray(new Map.Entry[0]);
  }

  static Path onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      Path p = Path.of(dir, tool);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }
}
