package dev.distill.deploy.manifests;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;
import java.util.stream.Collectors;

/** One overlay rendered and loaded: what {@code kubectl apply -k} would send. */
public record Rendered(String overlay, List<ObjectNode> documents) {
  public static final List<String> OVERLAYS = List.of("dev", "production");

  public static Rendered overlay(String name) {
    return new Rendered(name, Kustomize.build(DeployDir.root().resolve("overlays").resolve(name)));
  }

  public static Rendered base() {
    return new Rendered("base", Kustomize.build(DeployDir.root().resolve("base")));
  }

  public <T> List<T> all(String kind, Class<T> type) {
    return documents.stream().filter(d -> d.path("kind").asText().equals(kind))
        .map(d -> Models.strict(d, type)).collect(Collectors.toList());
  }

  public <T> T one(String kind, String name, Class<T> type) {
    return documents.stream()
        .filter(d -> d.path("kind").asText().equals(kind) && d.path("metadata").path("name").asText().equals(name))
        .map(d -> Models.strict(d, type)).findFirst()
        .orElseThrow(() -> new AssertionError(overlay + " has no " + kind + "/" + name));
  }

  public List<Deployment> deployments() {
    return all("Deployment", Deployment.class);
  }

  public ConfigMap config() {
    return one("ConfigMap", "distill-config", ConfigMap.class);
  }
}
