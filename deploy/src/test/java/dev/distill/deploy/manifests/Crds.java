package dev.distill.deploy.manifests;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The resources no served model library types: Prometheus Operator's PodMonitor and
 * PrometheusRule, cert-manager's Certificate and Issuer, and the Kustomization file itself. Only the fields these manifests use are
 * declared, and {@link Yaml#MAPPER} refuses any other, so a misspelled field fails to load
 * (an unused but legal field would too: add it here when a manifest needs it).
 */
public final class Crds {
  private Crds() {}

  public record Metadata(String name, String namespace, Map<String, String> labels,
      Map<String, String> annotations) {}

  public record LabelSelector(Map<String, String> matchLabels) {}

  public record PodMonitor(String apiVersion, String kind, Metadata metadata, PodMonitorSpec spec) {}

  public record PodMonitorSpec(String jobLabel, LabelSelector selector, List<PodMetricsEndpoint> podMetricsEndpoints) {}

  public record PodMetricsEndpoint(String port, String path, String interval) {}

  public record PrometheusRule(String apiVersion, String kind, Metadata metadata, RuleSpec spec) {}

  public record RuleSpec(List<RuleGroup> groups) {}

  public record RuleGroup(String name, String interval, List<Rule> rules) {}

  public record Rule(String alert, String record, String expr, @JsonProperty("for") String pending,
      Map<String, String> labels, Map<String, String> annotations) {}

  public record Kustomization(String apiVersion, String kind, String namespace, List<LabelSet> labels,
      List<String> resources, List<PatchRef> patches, List<ConfigMapGenerator> configMapGenerator,
      List<ImageOverride> images) {}

  /** kustomize's {@code images:} entry: containers whose image is {@code name} get a new name, tag or digest. */
  public record ImageOverride(String name, String newName, String newTag, String digest) {}

  public record LabelSet(Map<String, String> pairs, Boolean includeSelectors, Boolean includeTemplates) {}

  public record PatchRef(String path) {}

  public record ConfigMapGenerator(String name, List<String> files, GeneratorOptions options) {}

  public record GeneratorOptions(Boolean disableNameSuffixHash, Map<String, String> labels) {}

  public record Certificate(String apiVersion, String kind, Metadata metadata, CertificateSpec spec) {}

  public record CertificateSpec(String secretName, List<String> dnsNames, IssuerRef issuerRef, PrivateKey privateKey) {}

  public record IssuerRef(String group, String kind, String name) {}

  public record PrivateKey(String algorithm, Integer size, String rotationPolicy) {}

  public record Issuer(String apiVersion, String kind, Metadata metadata, IssuerSpec spec) {}

  /** Only the self-signed issuer of the dev overlay. */
  public record IssuerSpec(Map<String, Object> selfSigned) {}
}
