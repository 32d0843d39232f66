package dev.distill.deploy.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.kafka.listener.GenericKafkaListener;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Who reaches what, read from the rendered NetworkPolicies, Services and Ingress as Kubernetes
 * would apply them (policies add up; a pod selected by a policy of a type gets only what some
 * policy of that type allows): only the Ingress controller reaches the device port, the admin
 * API has its own port and Service that no Ingress names, and the services talk to Kafka and DNS
 * only.
 */
class NetworkingTest {
  private static final List<String> SERVICES = List.of("teacher-scorer", "student-trainer", "edge-publisher");
  private static final Map<String, String> INGRESS_NS = Map.of("kubernetes.io/metadata.name", "ingress-nginx");
  private static final Map<String, String> MONITORING_NS = Map.of("kubernetes.io/metadata.name", "monitoring");
  private static final Map<String, String> KAFKA_POD = Map.of("strimzi.io/cluster", "distill", "strimzi.io/kind", "Kafka",
      "strimzi.io/name", "distill-kafka");
  private static final Map<String, String> DNS_NS = Map.of("kubernetes.io/metadata.name", "kube-system");
  private static final Map<String, String> DNS_POD = Map.of("k8s-app", "kube-dns");

  static List<String> overlays() {
    return Rendered.OVERLAYS;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("overlays")
  void onlyTheIngressControllerReachesTheDevicePortAndNoIngressReachesTheAdminPort(String overlay) {
    Rendered r = Rendered.overlay(overlay);
    Pod publisher = pod(r, "edge-publisher");
    List<NetworkPolicy> policies = r.all("NetworkPolicy", NetworkPolicy.class);
    int api = publisher.port("api");
    int admin = publisher.port("admin");

    assertThat(ingressAllowed(policies, publisher, api, INGRESS_NS, Map.of())).isTrue();
    assertThat(ingressAllowed(policies, publisher, api, Map.of("kubernetes.io/metadata.name", "distill"), Map.of()))
        .as("a pod of the namespace on the device port").isFalse();
    assertThat(ingressAllowed(policies, publisher, admin, INGRESS_NS, Map.of())).as("the Ingress controller on the admin port")
        .isFalse();
    assertThat(ingressAllowed(policies, publisher, admin, Map.of("kubernetes.io/metadata.name", "distill"),
        Map.of("distill.dev/admin-client", "true"))).isTrue();
    for (String service : SERVICES) {
      Pod pod = pod(r, service);
      assertThat(ingressAllowed(policies, pod, pod.port("ops"), MONITORING_NS, Map.of()))
          .as("Prometheus scrapes " + service).isTrue();
      assertThat(ingressAllowed(policies, pod, pod.port("ops"), INGRESS_NS, Map.of()))
          .as("the Ingress controller on the ops port of " + service).isFalse();
    }

    Service admins = r.one("Service", "edge-publisher-admin", Service.class);
    assertThat(admins.getSpec().getPorts()).singleElement()
        .satisfies(p -> assertThat(p.getTargetPort()).isEqualTo(new IntOrString("admin")));
    Service devices = r.one("Service", "edge-publisher", Service.class);
    assertThat(devices.getSpec().getPorts()).extracting(p -> p.getTargetPort().getStrVal()).containsExactly("api");

    List<Ingress> ingresses = r.all("Ingress", Ingress.class);
    assertThat(ingresses).isNotEmpty();
    for (Ingress ing : ingresses) {
      List<HTTPIngressPath> paths = ing.getSpec().getRules().stream().flatMap(rule -> rule.getHttp().getPaths().stream()).toList();
      assertThat(paths).isNotEmpty().allSatisfy(p -> {
        assertThat(p.getBackend().getService().getName()).isEqualTo("edge-publisher");
        assertThat(p.getBackend().getService().getPort().getName()).isEqualTo("api");
        assertThat(p.getPath()).doesNotStartWith("/v1/admin").isNotEqualTo("/");
      });
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("overlays")
  void theDeviceApiIsServedOverTlsWithACertificateCertManagerIssues(String overlay) {
    Rendered r = Rendered.overlay(overlay);
    Ingress ing = r.one("Ingress", "edge-publisher", Ingress.class);
    Crds.Certificate cert = r.one("Certificate", "edge-publisher-tls", Crds.Certificate.class);
    assertThat(ing.getSpec().getTls()).singleElement().satisfies(tls -> {
      assertThat(tls.getSecretName()).isEqualTo(cert.spec().secretName());
      assertThat(tls.getHosts()).containsExactlyElementsOf(cert.spec().dnsNames());
    });
    assertThat(ing.getSpec().getRules()).allSatisfy(rule -> assertThat(cert.spec().dnsNames()).contains(rule.getHost()));
    assertThat(ing.getMetadata().getAnnotations()).containsEntry("nginx.ingress.kubernetes.io/proxy-buffering", "off");
    String issuerKind = cert.spec().issuerRef().kind();
    String issuerName = cert.spec().issuerRef().name();
    if (issuerKind.equals("Issuer")) {
      assertThat(r.one("Issuer", issuerName, Crds.Issuer.class)).isNotNull();
    } else {
      assertThat(issuerKind).isEqualTo("ClusterIssuer");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("overlays")
  void theServicesReachKafkaAndDnsOnlyAndKafkaAdmitsOnlyThem(String overlay) {
    Rendered r = Rendered.overlay(overlay);
    List<NetworkPolicy> policies = r.all("NetworkPolicy", NetworkPolicy.class);
    Kafka kafka = r.one("Kafka", "distill", Kafka.class);
    GenericKafkaListener tls = kafka.getSpec().getKafka().getListeners().stream()
        .filter(l -> l.getName().equals("tls")).findFirst().orElseThrow();
    for (String service : SERVICES) {
      Pod pod = pod(r, service);
      assertThat(egressAllowed(policies, pod, tls.getPort(), "TCP", Map.of(), KAFKA_POD)).as(service + " to Kafka").isTrue();
      assertThat(egressAllowed(policies, pod, 53, "UDP", DNS_NS, DNS_POD)).as(service + " to DNS").isTrue();
      assertThat(egressAllowed(policies, pod, 443, "TCP", Map.of("kubernetes.io/metadata.name", "elsewhere"), Map.of()))
          .as(service + " to anything else").isFalse();
      assertThat(egressAllowed(policies, pod, 9091, "TCP", Map.of(), KAFKA_POD)).as(service + " to Kafka's replication port")
          .isFalse();
      assertThat(tls.getNetworkPolicyPeers()).as("Kafka's tls listener admits " + service)
          .anySatisfy(peer -> assertThat(selects(peer.getPodSelector(), pod.labels())).isTrue());
    }
    assertThat(tls.getNetworkPolicyPeers()).as("Kafka admits no other pod")
        .noneSatisfy(peer -> assertThat(selects(peer.getPodSelector(), Map.of("app", "other"))).isTrue());
  }

  // ---- a small model of NetworkPolicy semantics (namespace-local pods; ipBlock peers unused here)

  private static boolean ingressAllowed(List<NetworkPolicy> policies, Pod pod, int port,
      Map<String, String> fromNamespace, Map<String, String> fromPod) {
    List<NetworkPolicy> applying = applying(policies, pod.labels(), "Ingress");
    if (applying.isEmpty()) {
      return true;
    }
    return applying.stream().flatMap(p -> p.getSpec().getIngress().stream()).anyMatch(rule ->
        portMatches(rule.getPorts(), port, "TCP", pod.ports()) && peerMatches(rule.getFrom(), fromNamespace, fromPod));
  }

  private static boolean egressAllowed(List<NetworkPolicy> policies, Pod pod, int port, String protocol,
      Map<String, String> toNamespace, Map<String, String> toPod) {
    List<NetworkPolicy> applying = applying(policies, pod.labels(), "Egress");
    if (applying.isEmpty()) {
      return true;
    }
    return applying.stream().flatMap(p -> p.getSpec().getEgress().stream()).anyMatch(rule ->
        portMatches(rule.getPorts(), port, protocol, Map.of()) && peerMatches(rule.getTo(), toNamespace, toPod));
  }

  private static List<NetworkPolicy> applying(List<NetworkPolicy> policies, Map<String, String> pod, String type) {
    return policies.stream().filter(p -> p.getSpec().getPolicyTypes().contains(type))
        .filter(p -> selects(p.getSpec().getPodSelector(), pod)).toList();
  }

  /** An empty namespace map stands for "this namespace" (distill); a peer without namespaceSelector means the same. */
  private static boolean peerMatches(List<NetworkPolicyPeer> peers, Map<String, String> namespace, Map<String, String> pod) {
    if (peers == null || peers.isEmpty()) {
      return true;
    }
    Map<String, String> ns = namespace.isEmpty() ? Map.of("kubernetes.io/metadata.name", "distill") : namespace;
    boolean local = ns.get("kubernetes.io/metadata.name").equals("distill");
    return peers.stream().anyMatch(peer -> {
      boolean nsOk = peer.getNamespaceSelector() == null ? local : selects(peer.getNamespaceSelector(), ns);
      boolean podOk = peer.getPodSelector() == null || selects(peer.getPodSelector(), pod);
      return nsOk && podOk;
    });
  }

  /** A named port resolves against the destination pod's container ports ({@code named}; empty for pods outside). */
  private static boolean portMatches(List<NetworkPolicyPort> ports, int port, String protocol, Map<String, Integer> named) {
    if (ports == null || ports.isEmpty()) {
      return true;
    }
    return ports.stream().anyMatch(p -> Objects.requireNonNullElse(p.getProtocol(), "TCP").equals(protocol)
        && (p.getPort() == null || (p.getPort().getIntVal() != null ? p.getPort().getIntVal() == port
            : Objects.equals(named.get(p.getPort().getStrVal()), port))));
  }

  static boolean selects(LabelSelector selector, Map<String, String> labels) {
    if (selector == null) {
      return true;
    }
    if (selector.getMatchLabels() != null
        && !selector.getMatchLabels().entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())))) {
      return false;
    }
    for (LabelSelectorRequirement req : Objects.requireNonNullElse(selector.getMatchExpressions(),
        List.<LabelSelectorRequirement>of())) {
      String v = labels.get(req.getKey());
      boolean ok = switch (req.getOperator()) {
        case "In" -> v != null && req.getValues().contains(v);
        case "NotIn" -> v == null || !req.getValues().contains(v);
        case "Exists" -> v != null;
        case "DoesNotExist" -> v == null;
        default -> throw new AssertionError("operator " + req.getOperator());
      };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** A pod of a Deployment: its labels and its named container ports. */
  private record Pod(Map<String, String> labels, Map<String, Integer> ports) {
    int port(String name) {
      Integer p = ports.get(name);
      if (p == null) {
        throw new AssertionError(labels + " has no port named " + name);
      }
      return p;
    }
  }

  private static Pod pod(Rendered r, String deployment) {
    Deployment d = r.one("Deployment", deployment, Deployment.class);
    Map<String, Integer> ports = new HashMap<>();
    for (Container c : d.getSpec().getTemplate().getSpec().getContainers()) {
      for (ContainerPort p : c.getPorts()) {
        ports.put(p.getName(), p.getContainerPort());
      }
    }
    return new Pod(d.getSpec().getTemplate().getMetadata().getLabels(), ports);
  }
}
