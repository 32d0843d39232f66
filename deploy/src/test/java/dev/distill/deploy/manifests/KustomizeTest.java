package dev.distill.deploy.manifests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
}
