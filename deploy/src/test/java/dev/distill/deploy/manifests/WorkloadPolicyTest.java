package dev.distill.deploy.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.platform.config.ConfigReader;
import dev.distill.platform.config.ServiceSettings;
import dev.distill.publisher.PublisherConfig;
import dev.distill.scorer.ScorerSettings;
import dev.distill.trainer.service.TrainerSettings;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Each workload of each overlay, held to what the services and the restricted pod security standard need. */
class WorkloadPolicyTest {
  /** Variables read outside the services' settings records: by DataHome and by the CLI's logging set-up. */
  private static final Set<String> READ_ELSEWHERE = Set.of("DISTILL_HOME", "DISTILL_LOG_FORMAT");
  private static final String SIGNING_MOUNT = "/etc/distill/signing/";
  private static final String IMAGE_MOUNT = "/etc/distill/image/";
  @org.junit.jupiter.api.io.TempDir static Path keys;

  /** A root, a signing key and the root's certificate of it, under the Secret's file names. */
  static Path signingSecret() throws IOException {
    Path dir = keys.resolve("signing");
    if (!Files.exists(dir.resolve("signing-key.cert"))) {
      Files.copy(root().publicPemPath, Files.createDirectories(dir).resolve("root.pem.pub"));
      certified(dir, "signing-key", dev.distill.contract.ota.KeyRole.PUBLISHER);
    }
    return dir;
  }

  /** The trainer's image key and the same root's certificate of it, under its Secret's file names. */
  static Path imageSecret() throws IOException {
    Path dir = keys.resolve("image");
    if (!Files.exists(dir.resolve("image-key.cert"))) {
      certified(Files.createDirectories(dir), "image-key", dev.distill.contract.ota.KeyRole.IMAGE);
    }
    return dir;
  }

  private record Root(dev.distill.contract.ota.RootAuthority authority, Path publicPemPath) {}

  private static Root root() throws IOException {
    Path pem = keys.resolve("root/root.pem");
    var authority = Files.exists(pem) ? dev.distill.contract.ota.RootAuthority.load(pem)
        : new dev.distill.contract.ota.RootAuthority(dev.distill.contract.ota.Ed25519Keys.create(pem));
    return new Root(authority, keys.resolve("root/root.pem.pub"));
  }

  private static void certified(Path dir, String name, dev.distill.contract.ota.KeyRole role) throws IOException {
    var key = dev.distill.contract.ota.Ed25519Keys.create(dir.resolve(name + ".pem"));
    root().authority().certify(key.getPublic(), role, java.time.Instant.now(), java.time.Duration.ofDays(1))
        .write(dir.resolve(name + ".cert"));
  }

  static Stream<Object[]> workloads() {
    List<Object[]> out = new ArrayList<>();
    for (String overlay : Rendered.OVERLAYS) {
      Rendered r = Rendered.overlay(overlay);
      for (Deployment d : r.deployments()) {
        out.add(new Object[] {overlay, d.getMetadata().getName(), r, d});
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("workloads")
  void probesAskTheServicesOwnHealthEndpointsOnItsOpsPort(String overlay, String name, Rendered r, Deployment d) {
    Container c = Workloads.container(d);
    int opsPort = c.getPorts().stream().filter(p -> "ops".equals(p.getName())).findFirst()
        .orElseThrow(() -> new AssertionError(name + " has no port named ops")).getContainerPort();
    assertThat(Integer.parseInt(Workloads.environment(r, d).get(ServiceSettings.HTTP_PORT)))
        .as("DISTILL_HTTP_PORT is the port the probes ask").isEqualTo(opsPort);
    assertProbe(c.getStartupProbe(), "/health/live", name + " startup");
    assertProbe(c.getLivenessProbe(), "/health/live", name + " liveness");
    assertProbe(c.getReadinessProbe(), "/health/ready", name + " readiness");
    // liveness waits out a rebalance: a minute of failures before a restart
    assertThat(c.getLivenessProbe().getPeriodSeconds() * c.getLivenessProbe().getFailureThreshold())
        .isGreaterThanOrEqualTo(60);
    assertThat(c.getStartupProbe().getPeriodSeconds() * c.getStartupProbe().getFailureThreshold())
        .as("start-up budget (teacher load, libtorch unpacking, state catch-up)").isGreaterThanOrEqualTo(180);
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("workloads")
  void requestsAndLimitsAreSetAndAGpuOnlyInLimits(String overlay, String name, Rendered r, Deployment d) {
    var res = Workloads.container(d).getResources();
    assertThat(res.getRequests()).as(name).containsKeys("cpu", "memory").doesNotContainKey("nvidia.com/gpu");
    assertThat(res.getLimits()).as(name).containsKey("memory");
    assertThat(res.getLimits().get("memory")).as("memory limit = request: no overcommit of a JVM heap")
        .isEqualTo(res.getRequests().get("memory"));
    if (res.getLimits().containsKey("nvidia.com/gpu")) {
      PodSpec pod = d.getSpec().getTemplate().getSpec();
      assertThat(pod.getNodeSelector()).as(name + " on a GPU node").isNotEmpty();
      assertThat(pod.getTolerations()).as(name + " tolerates the GPU taint")
          .anySatisfy(t -> assertThat(t.getKey()).isEqualTo("nvidia.com/gpu"));
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("workloads")
  void podsAreRestrictedWithAReadOnlyRootAndAWritableVolumeForEveryFolderTheServiceWrites(
      String overlay, String name, Rendered r, Deployment d) {
    PodSpec pod = d.getSpec().getTemplate().getSpec();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isPositive();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(pod.getAutomountServiceAccountToken()).as("no API access needed").isFalse();
    assertThat(pod.getEnableServiceLinks()).as("service links would inject KAFKA_* variables").isFalse();
    Container c = Workloads.container(d);
    var sc = c.getSecurityContext();
    assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
    assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
    assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(sc.getCapabilities().getAdd()).isNullOrEmpty();
    assertThat(sc.getPrivileged()).isNotEqualTo(Boolean.TRUE);

    Map<String, String> env = Workloads.environment(r, d);
    List<String> written = new ArrayList<>(List.of("/tmp", env.get("DISTILL_HOME")));
    for (String key : List.of(ScorerSettings.STATE_DIR, PublisherConfig.ARTIFACT_DIR)) {
      if (env.containsKey(key)) {
        written.add(env.get(key));
      }
    }
    Map<String, Volume> volumes = new java.util.HashMap<>();
    pod.getVolumes().forEach(v -> volumes.put(v.getName(), v));
    for (String folder : written) {
      VolumeMount m = c.getVolumeMounts().stream().filter(vm -> Path.of(folder).startsWith(vm.getMountPath()))
          .max((a, b) -> Integer.compare(a.getMountPath().length(), b.getMountPath().length()))
          .orElseThrow(() -> new AssertionError(name + " writes " + folder + " on the read-only root"));
      assertThat(m.getReadOnly()).as(folder).isNotEqualTo(Boolean.TRUE);
      assertThat(volumes.get(m.getName()).getEmptyDir()).as(folder + " on an emptyDir").isNotNull();
      assertThat(volumes.get(m.getName()).getEmptyDir().getSizeLimit()).as(folder + " bounded").isNotNull();
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("workloads")
  void terminationGraceOutlastsTheServicesOwnShutdownTimeout(String overlay, String name, Rendered r, Deployment d) {
    ServiceSettings s = ServiceSettings.read(ConfigReader.from(Workloads.environment(r, d)), name, 0);
    long grace = d.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds();
    // the JVM's shutdown hooks start after SIGTERM; 10 s for what precedes and follows the close
    assertThat(grace).as(name).isGreaterThanOrEqualTo(s.shutdownTimeout().toSeconds() + 10);
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("workloads")
  void aDisruptionBudgetCoversEveryWorkloadAndLetsADrainThrough(String overlay, String name, Rendered r, Deployment d) {
    List<PodDisruptionBudget> pdbs = r.all("PodDisruptionBudget", PodDisruptionBudget.class).stream()
        .filter(p -> d.getSpec().getTemplate().getMetadata().getLabels().entrySet()
            .containsAll(p.getSpec().getSelector().getMatchLabels().entrySet())).toList();
    assertThat(pdbs).as(name).hasSize(1);
    var spec = pdbs.get(0).getSpec();
    if (spec.getMinAvailable() != null) {
      assertThat(spec.getMinAvailable().getIntVal()).as(name + ": minAvailable below replicas")
          .isLessThan(d.getSpec().getReplicas());
    } else {
      assertThat(spec.getMaxUnavailable().getIntVal()).isPositive();
    }
  }

  /**
   * The environment of each workload is a configuration the service's own reader accepts, and
   * every DISTILL_* variable in it is one the service reads (a misspelled name would be ignored
   * silently at run time).
   */
  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("workloads")
  void theEnvironmentIsValidConfigurationAndEveryVariableIsRead(String overlay, String name, Rendered r, Deployment d)
      throws IOException {
    Map<String, String> env = new java.util.LinkedHashMap<>(Workloads.environment(r, d));
    Path secret = signingSecret();
    // the files the Secret edge-publisher-signing-key mounts, as deploy/README.md makes them
    env.replaceAll((k, v) -> v.startsWith(SIGNING_MOUNT) ? secret.resolve(v.substring(SIGNING_MOUNT.length())).toString() : v);
    Path image = imageSecret();
    env.replaceAll((k, v) -> v.startsWith(IMAGE_MOUNT) ? image.resolve(v.substring(IMAGE_MOUNT.length())).toString() : v);
    ConfigReader reader = ConfigReader.from(env);
    readerFor(name).apply(reader);
    reader.validate();
    Set<String> unread = new TreeSet<>();
    env.keySet().stream().filter(k -> k.startsWith("DISTILL_")).filter(k -> !READ_ELSEWHERE.contains(k))
        .filter(k -> !reader.effective().containsKey(k)).forEach(unread::add);
    assertThat(unread).as(name + ": variables no code reads").isEmpty();
    assertThat(env).as(name + ": KAFKA_* pass through to the clients")
        .containsKeys("KAFKA_SECURITY_PROTOCOL", "KAFKA_SASL_JAAS_CONFIG", "KAFKA_SSL_TRUSTSTORE_LOCATION");
  }

  /** The README's Configuration section names every variable the three services read. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("services")
  void theReadmeConfigurationSectionListsEveryVariableTheServiceReads(String name) throws IOException {
    String readme = Files.readString(DeployDir.repository().resolve("README.md"));
    int start = readme.indexOf("\n## Configuration");
    assertThat(start).as("README has a Configuration section").isPositive();
    int end = readme.indexOf("\n## ", start + 5);
    String section = readme.substring(start, end < 0 ? readme.length() : end);
    ConfigReader reader = ConfigReader.from(Map.of(PublisherConfig.ADMIN_TOKEN, Workloads.SECRET_PLACEHOLDER));
    readerFor(name).apply(reader);
    Set<String> missing = new TreeSet<>();
    for (String key : reader.effective().keySet()) {
      if (key.startsWith("DISTILL_") && !section.contains("`" + key + "`")) {
        missing.add(key);
      }
    }
    assertThat(missing).as(name + " variables missing from the README's Configuration section").isEmpty();
  }

  static Stream<String> services() {
    return Stream.of("teacher-scorer", "student-trainer", "edge-publisher");
  }

  private static Function<ConfigReader, Object> readerFor(String workload) {
    return switch (workload) {
      case "teacher-scorer" -> ScorerSettings::read;
      case "student-trainer" -> TrainerSettings::read;
      case "edge-publisher" -> PublisherConfig::read;
      default -> throw new AssertionError("no configuration reader for " + workload);
    };
  }

  private static void assertProbe(Probe p, String path, String what) {
    assertThat(p).as(what).isNotNull();
    assertThat(p.getHttpGet()).as(what).isNotNull();
    assertThat(p.getHttpGet().getPath()).as(what).isEqualTo(path);
    assertThat(p.getHttpGet().getPort().getStrVal()).as(what).isEqualTo("ops");
  }
}
