package dev.distill.deploy.manifests;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.LinkedHashMap;
import java.util.Map;

/** What a container of a rendered Deployment will see. */
public final class Workloads {
  /** Stands for a value that comes from a Secret at run time (long enough for the admin token's minimum). */
  public static final String SECRET_PLACEHOLDER = "secret-from-kubernetes-0123456789";

  private Workloads() {}

  public static Container container(Deployment d) {
    return d.getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  /**
   * The environment of the Deployment's container, as Kubernetes builds it: envFrom first, then
   * env (which wins); values from Secrets are placeholders.
   */
  public static Map<String, String> environment(Rendered r, Deployment d) {
    Map<String, String> env = new LinkedHashMap<>();
    Container c = container(d);
    if (c.getEnvFrom() != null) {
      for (EnvFromSource from : c.getEnvFrom()) {
        if (from.getConfigMapRef() == null) {
          throw new AssertionError(d.getMetadata().getName() + ": envFrom other than a ConfigMap is not resolved here");
        }
        ConfigMap cm = r.one("ConfigMap", from.getConfigMapRef().getName(), ConfigMap.class);
        env.putAll(cm.getData());
      }
    }
    if (c.getEnv() != null) {
      for (EnvVar e : c.getEnv()) {
        if (e.getValueFrom() != null) {
          if (e.getValueFrom().getSecretKeyRef() == null) {
            throw new AssertionError(e.getName() + ": only values from Secrets are resolved here");
          }
          env.put(e.getName(), SECRET_PLACEHOLDER);
        } else {
          env.put(e.getName(), e.getValue() == null ? "" : e.getValue());
        }
      }
    }
    return env;
  }
}
