package dev.distill.deploy.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What {@code kubectl kustomize} renders for each overlay, against the JSON schemas of the
 * Kubernetes API and of the operators' CRDs ({@link SchemaValidator}): types, required fields and
 * enumerations, for every kind, chosen by apiVersion and kind. Unknown fields are the strict model
 * classes' part ({@link Models}); the schemas allow them.
 */
class SchemaValidationTest {
  @ParameterizedTest
  @ValueSource(strings = {"dev", "production"})
  void everyObjectAnOverlayRendersMatchesItsSchema(String overlay) {
    Tool.Result r = SchemaValidator.validate(Kubectl.kustomize(DeployDir.root().resolve("overlays").resolve(overlay)));
    assertThat(r.stdout()).as(r.stderr()).isEmpty();
    assertThat(r.exitCode()).as(r.stderr()).isZero();
  }

  @Test
  void aBrokenDeploymentFailsWithALineForEachProblemNamingTheObject(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("broken.yaml"), """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: broken
        spec:
          replicas: "two"
          selector:
            matchLabels: {app: broken}
          template:
            metadata:
              labels: {app: broken}
            spec:
              containers:
                - image: distill/teacher-scorer:0.1.0
        """);
    Tool.Result r = SchemaValidator.validate(file);
    assertThat(r.exitCode()).as(r.stderr()).isEqualTo(1);
    assertThat(r.stdout().lines()).containsExactlyInAnyOrder(
        "Deployment/broken: /spec/replicas: must be integer",
        "Deployment/broken: /spec/template/spec/containers/0: must have required property name");
  }

  @Test
  void theOperatorsKindsAreCheckedAgainstTheirCrdSchemas() {
    Tool.Result r = SchemaValidator.validate("""
        apiVersion: kafka.strimzi.io/v1beta2
        kind: KafkaTopic
        metadata: {name: scores}
        spec: {partitions: twelve}
        ---
        apiVersion: monitoring.coreos.com/v1
        kind: PodMonitor
        metadata: {name: scorer}
        spec:
          selector: {}
          podMetricsEndpoints: [{port: 8080}]
        ---
        apiVersion: cert-manager.io/v1
        kind: Certificate
        metadata: {name: publisher}
        spec: {secretName: publisher-tls}
        """);
    assertThat(r.exitCode()).as(r.stderr()).isEqualTo(1);
    assertThat(r.stdout().lines()).containsExactlyInAnyOrder(
        "KafkaTopic/scores: /spec/partitions: must be integer",
        "PodMonitor/scorer: /spec/podMetricsEndpoints/0/port: must be string",
        "Certificate/publisher: /spec: must have required property issuerRef");
  }

  /** The kinds the manifests are about to gain need no change to the validator. */
  @Test
  void ingressNetworkPolicyAndCertManagerKindsHaveSchemas() {
    Tool.Result r = SchemaValidator.validate("""
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: edge-publisher}
        spec:
          tls: [{hosts: [models.example.com], secretName: publisher-tls}]
          rules:
            - host: models.example.com
              http:
                paths:
                  - path: /
                    pathType: Prefix
                    backend: {service: {name: edge-publisher, port: {name: http}}}
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: edge-publisher}
        spec:
          podSelector: {matchLabels: {app.kubernetes.io/name: edge-publisher}}
          policyTypes: [Ingress]
          ingress: [{ports: [{port: 8080, protocol: TCP}]}]
        ---
        apiVersion: cert-manager.io/v1
        kind: Issuer
        metadata: {name: selfsigned}
        spec: {selfSigned: {}}
        ---
        apiVersion: cert-manager.io/v1
        kind: Certificate
        metadata: {name: publisher}
        spec:
          secretName: publisher-tls
          dnsNames: [models.example.com]
          issuerRef: {name: selfsigned, kind: Issuer}
        """);
    assertThat(r.stdout()).as(r.stderr()).isEmpty();
    assertThat(r.exitCode()).isZero();
  }

  @Test
  void aKindWithoutASchemaFailsRatherThanPassUnchecked() {
    Tool.Result r = SchemaValidator.validate("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.stdout()).isEqualTo("Widget/w: /: no schema for example.com/v1 Widget\n");
  }

  @Test
  void yamlThatDoesNotParseFails() {
    Tool.Result r = SchemaValidator.validate("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [\n");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.stdout()).startsWith("?/?: /: ");
  }
}
