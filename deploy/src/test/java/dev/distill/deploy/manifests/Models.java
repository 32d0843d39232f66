package dev.distill.deploy.manifests;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import io.strimzi.api.kafka.model.user.KafkaUser;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads a manifest into the model class of its apiVersion and kind: fabric8's Kubernetes model,
 * Strimzi's api, or {@link Crds}.
 *
 * <p>fabric8 and Strimzi classes keep fields they do not know in an {@code additionalProperties}
 * map instead of failing (so that they survive newer servers); {@link #unknownFields} walks the
 * loaded object and reports every such field with its path, which is how a misspelling is caught.
 */
public final class Models {
  private static final Map<String, Class<?>> TYPES = Map.ofEntries(
      Map.entry("v1/Namespace", Namespace.class),
      Map.entry("v1/ConfigMap", ConfigMap.class),
      Map.entry("v1/Service", Service.class),
      Map.entry("v1/PersistentVolumeClaim", PersistentVolumeClaim.class),
      Map.entry("apps/v1/Deployment", Deployment.class),
      Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
      Map.entry("networking.k8s.io/v1/Ingress", Ingress.class),
      Map.entry("networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class),
      Map.entry("cert-manager.io/v1/Certificate", Crds.Certificate.class),
      Map.entry("cert-manager.io/v1/Issuer", Crds.Issuer.class),
      Map.entry("kafka.strimzi.io/v1beta2/Kafka", Kafka.class),
      Map.entry("kafka.strimzi.io/v1beta2/KafkaNodePool", KafkaNodePool.class),
      Map.entry("kafka.strimzi.io/v1beta2/KafkaTopic", KafkaTopic.class),
      Map.entry("kafka.strimzi.io/v1beta2/KafkaUser", KafkaUser.class),
      Map.entry("monitoring.coreos.com/v1/PodMonitor", Crds.PodMonitor.class),
      Map.entry("monitoring.coreos.com/v1/PrometheusRule", Crds.PrometheusRule.class),
      Map.entry("kustomize.config.k8s.io/v1beta1/Kustomization", Crds.Kustomization.class));

  private Models() {}

  public static String typeKey(ObjectNode doc) {
    return doc.path("apiVersion").asText() + "/" + doc.path("kind").asText();
  }

  public static boolean known(ObjectNode doc) {
    return TYPES.containsKey(typeKey(doc));
  }

  /**
   * @throws IllegalArgumentException for a type no model covers, or a document that does not bind
   *     (for {@link Crds}, any unknown field)
   */
  public static Object load(ObjectNode doc) {
    Class<?> type = TYPES.get(typeKey(doc));
    if (type == null) {
      throw new IllegalArgumentException("no model class for " + typeKey(doc));
    }
    try {
      return Yaml.MAPPER.treeToValue(doc, type);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(typeKey(doc) + " " + doc.path("metadata").path("name").asText()
          + ": " + e.getOriginalMessage(), e);
    }
  }

  /** Loads and fails on any field the model does not know. */
  public static <T> T strict(ObjectNode doc, Class<T> type) {
    Object o = load(doc);
    List<String> unknown = unknownFields(o);
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(typeKey(doc) + " " + doc.path("metadata").path("name").asText()
          + " has unknown fields " + unknown);
    }
    return type.cast(o);
  }

  /** Paths of the fields a fabric8 or Strimzi object kept as additional properties. */
  public static List<String> unknownFields(Object root) {
    List<String> out = new ArrayList<>();
    walk(root, "", out, new IdentityHashMap<>());
    return out;
  }

  private static void walk(Object o, String path, List<String> out, IdentityHashMap<Object, Boolean> seen) {
    if (o == null || seen.put(o, Boolean.TRUE) != null) {
      return;
    }
    if (o instanceof Collection<?> c) {
      int i = 0;
      for (Object e : c) {
        walk(e, path + "[" + i++ + "]", out, seen);
      }
      return;
    }
    if (o instanceof Map<?, ?> m) {
      m.forEach((k, v) -> walk(v, path + "." + k, out, seen));
      return;
    }
    String pkg = o.getClass().getPackageName();
    if (!pkg.startsWith("io.fabric8.") && !pkg.startsWith("io.strimzi.")) {
      return;
    }
    for (Method m : o.getClass().getMethods()) {
      if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || !m.getName().startsWith("get")
          || m.getDeclaringClass() == Object.class) {
        continue;
      }
      Object value;
      try {
        value = m.invoke(o);
      } catch (IllegalAccessException | InvocationTargetException | RuntimeException e) {
        continue;
      }
      String field = Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4);
      if (field.equals("additionalProperties") && value instanceof Map<?, ?> extra) {
        extra.keySet().forEach(k -> out.add(path + "." + k));
      } else {
        walk(value, path + "." + field, out, seen);
      }
    }
  }
}
