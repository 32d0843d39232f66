package dev.distill.deploy.manifests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.platform.topics.Topic;
import dev.distill.platform.topics.Topics;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import io.strimzi.api.kafka.model.user.KafkaUser;
import io.strimzi.api.kafka.model.user.acl.AclRule;
import io.strimzi.api.kafka.model.user.acl.AclRuleTopicResource;
import io.strimzi.api.kafka.model.user.acl.AclRuleTransactionalIdResource;
import io.strimzi.api.kafka.model.user.acl.AclRuleGroupResource;
import io.strimzi.api.kafka.model.user.KafkaUserAuthorizationSimple;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ManifestTest {
  @Test
  void everyYamlFileUnderDeployParses() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.walk(DeployDir.root())) {
      files = s.filter(p -> p.toString().endsWith(".yaml") && !p.toString().contains("/target/")
          && !p.toString().contains("/node_modules/")).sorted().toList();
    }
    assertThat(files).hasSizeGreaterThan(20);
    for (Path f : files) {
      assertThat(Yaml.documents(f)).as(f.toString()).isNotEmpty();
    }
  }

  @Test
  void everyRenderedResourceLoadsIntoItsModelClassWithNoUnknownField() {
    for (String overlay : Rendered.OVERLAYS) {
      Rendered r = Rendered.overlay(overlay);
      assertThat(r.documents()).hasSizeGreaterThan(25);
      for (ObjectNode doc : r.documents()) {
        assertThat(Models.known(doc)).as("%s: a model class for %s", overlay, Models.typeKey(doc)).isTrue();
        Object loaded = Models.load(doc);
        assertThat(Models.unknownFields(loaded)).as("%s %s", overlay, Kustomize.id(doc)).isEmpty();
      }
    }
  }

  @Test
  void aMisspelledFieldFailsInKubernetesStrimziAndPrometheusResources() {
    Rendered base = Rendered.base();
    ObjectNode deployment = copy(base, "Deployment/teacher-scorer");
    ObjectNode container = (ObjectNode) deployment.at("/spec/template/spec/containers/0");
    container.set("livenessProbes", container.remove("livenessProbe"));
    assertThat(Models.unknownFields(Models.load(deployment)))
        .containsExactly(".spec.template.spec.containers[0].livenessProbes");

    ObjectNode topic = copy(base, "KafkaTopic/distill.student-models");
    ((ObjectNode) topic.get("spec")).set("partition", ((ObjectNode) topic.get("spec")).remove("partitions"));
    assertThatThrownBy(() -> Models.strict(topic, KafkaTopic.class)).hasMessageContaining(".spec.partition");

    ObjectNode monitor = copy(base, "PodMonitor/edge-publisher");
    ((ObjectNode) monitor.get("spec")).set("podMetricEndpoints",
        ((ObjectNode) monitor.get("spec")).remove("podMetricsEndpoints"));
    assertThatThrownBy(() -> Models.load(monitor)).hasMessageContaining("podMetricEndpoints");

    ObjectNode rule = copy(base, "PrometheusRule/distill");
    ((ObjectNode) rule.at("/spec/groups/0/rules/0")).put("severity", "critical");
    assertThatThrownBy(() -> Models.load(rule)).hasMessageContaining("severity");
  }

  @Test
  void everyTopicOfTheCatalogIsAKafkaTopicWithTheSettingsTopicAdminWouldGiveIt() {
    Rendered base = Rendered.base();
    int partitions = Integer.parseInt(base.config().getData().get("DISTILL_PARTITIONS"));
    Topics catalog = Topics.withPrefix(base.config().getData().get("DISTILL_TOPIC_PREFIX"), partitions);
    Map<String, KafkaTopic> declared = base.all("KafkaTopic", KafkaTopic.class).stream()
        .collect(Collectors.toMap(t -> t.getMetadata().getName(), Function.identity()));
    // the catalog, with the queue of operators' rollout calls among them
    String commands = base.config().getData().get("DISTILL_TOPIC_PREFIX") + ".rollout-commands";
    List<String> expected = catalog.all().stream().map(Topic::name).toList();
    assertThat(declared.keySet()).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(declared.get(commands).getSpec().getPartitions()).as(commands + ": one order of commands").isEqualTo(1);
    for (Topic<?, ?> t : catalog.all()) {
      KafkaTopic k = declared.get(t.name());
      assertThat(k.getSpec().getPartitions()).as(t.name()).isEqualTo(t.partitions());
      Map<String, String> config = k.getSpec().getConfig().entrySet().stream()
          .collect(Collectors.toMap(Map.Entry::getKey, e -> String.valueOf(e.getValue())));
      assertThat(config).as(t.name()).containsAllEntriesOf(t.configs());
      assertThat(k.getMetadata().getLabels()).containsEntry("strimzi.io/cluster", "distill");
    }
  }

  @Test
  void everyAclNamesADeclaredTopicAndTheIdsTheServicesUse() {
    Rendered base = Rendered.base();
    Set<String> topics = base.all("KafkaTopic", KafkaTopic.class).stream().map(t -> t.getMetadata().getName())
        .collect(Collectors.toSet());
    Map<String, List<AclRule>> acls = base.all("KafkaUser", KafkaUser.class).stream().collect(Collectors.toMap(
        u -> u.getMetadata().getName(),
        u -> ((KafkaUserAuthorizationSimple) u.getSpec().getAuthorization()).getAcls()));
    assertThat(acls.keySet())
        .containsExactlyInAnyOrder("distill-scorer", "distill-trainer", "distill-publisher", "distill-teacher-push");
    acls.forEach((user, rules) -> {
      for (AclRule r : rules) {
        if (r.getResource() instanceof AclRuleTopicResource t && t.getPatternType().toValue().equals("literal")) {
          assertThat(topics).as(user + " names topic " + t.getName()).contains(t.getName());
        }
      }
      assertThat(rules).as(user + " may see every distill topic (TopicAdmin.ensure lists them)")
          .anySatisfy(r -> assertThat(r.getResource()).isInstanceOfSatisfying(AclRuleTopicResource.class, t -> {
            assertThat(t.getName()).isEqualTo("distill.");
            assertThat(t.getPatternType().toValue()).isEqualTo("prefix");
          }));
    });
    // exactly-once needs the transactional ids: the scorer's <application id>-..., the trainer's distill-trainer-<model>
    String appId = env(base, "teacher-scorer").get("DISTILL_APPLICATION_ID");
    assertThat(prefixes(acls.get("distill-scorer"), AclRuleTransactionalIdResource.class)).contains(appId + "-");
    assertThat(names(acls.get("distill-scorer"), AclRuleGroupResource.class)).contains(appId);
    String model = env(base, "student-trainer").get("DISTILL_TRAINER_MODEL_NAME");
    String txId = "distill-trainer-" + model;
    assertThat(prefixes(acls.get("distill-trainer"), AclRuleTransactionalIdResource.class))
        .anySatisfy(p -> assertThat(txId).startsWith(p));
    assertThat(prefixes(acls.get("distill-trainer"), AclRuleGroupResource.class))
        .anySatisfy(p -> assertThat(txId).startsWith(p)); // the consumer group defaults to the same name
  }

  static Map<String, String> env(Rendered r, String deployment) {
    return Workloads.environment(r, r.one("Deployment", deployment, io.fabric8.kubernetes.api.model.apps.Deployment.class));
  }

  private static List<String> prefixes(List<AclRule> rules, Class<?> type) {
    return rules.stream().filter(r -> type.isInstance(r.getResource()))
        .filter(r -> patternOf(r).equals("prefix")).map(ManifestTest::nameOf).toList();
  }

  private static List<String> names(List<AclRule> rules, Class<?> type) {
    return rules.stream().filter(r -> type.isInstance(r.getResource()))
        .filter(r -> patternOf(r).equals("literal")).map(ManifestTest::nameOf).toList();
  }

  private static String patternOf(AclRule r) {
    if (r.getResource() instanceof AclRuleTransactionalIdResource t) {
      return t.getPatternType().toValue();
    }
    if (r.getResource() instanceof AclRuleGroupResource g) {
      return g.getPatternType().toValue();
    }
    return ((AclRuleTopicResource) r.getResource()).getPatternType().toValue();
  }

  private static String nameOf(AclRule r) {
    if (r.getResource() instanceof AclRuleTransactionalIdResource t) {
      return t.getName();
    }
    if (r.getResource() instanceof AclRuleGroupResource g) {
      return g.getName();
    }
    return ((AclRuleTopicResource) r.getResource()).getName();
  }

  private static ObjectNode copy(Rendered r, String id) {
    return r.documents().stream().filter(d -> Kustomize.id(d).equals(id)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + id)).deepCopy();
  }

}
