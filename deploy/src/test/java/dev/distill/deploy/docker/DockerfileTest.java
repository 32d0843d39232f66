package dev.distill.deploy.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.deploy.manifests.DeployDir;
import dev.distill.deploy.manifests.Rendered;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each service's Dockerfile, read as Docker would: the base image pinned to a JRE 17 tag, a
 * numeric non-root user, COPY sources that the Maven build has produced: the service's own
 * artifact and lib folder (this module depends on the services, so the reactor packages them
 * first), an exec-form ENTRYPOINT running that artifact, DJL's offline switch only where DJL
 * runs, the UID the Deployment's securityContext expects and the ports its container declares.
 */
class DockerfileTest {

  /** Instructions with their continuation lines joined and comments dropped. */
  static List<String[]> instructions(Path file) throws IOException {
    List<String[]> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : Files.readAllLines(file)) {
      String t = line.strip();
      if (t.startsWith("#") || (t.isEmpty() && current.length() == 0)) {
        continue;
      }
      if (t.endsWith("\\")) {
        current.append(t, 0, t.length() - 1).append(' ');
        continue;
      }
      current.append(t);
      String joined = current.toString().strip();
      current.setLength(0);
      if (!joined.isEmpty()) {
        String[] parts = joined.split("\\s+", 2);
        out.add(new String[] {parts[0].toUpperCase(), parts.length > 1 ? parts[1] : ""});
      }
    }
    return out;
  }

  @ParameterizedTest
  @ValueSource(strings = {"teacher-scorer", "student-trainer", "edge-publisher"})
  void theImageRunsTheServiceAsANumericNonRootUserFromTheBuildsOwnArtifact(String service) throws IOException {
    Path file = DeployDir.root().resolve("docker").resolve(service + ".Dockerfile");
    List<String[]> ins = instructions(file);

    List<String> from = args(ins, "FROM");
    assertThat(from).hasSize(1);
    Matcher image = Pattern.compile("([^:\\s]+):(\\S+)").matcher(from.get(0));
    assertThat(image.matches()).as("FROM names a tag: " + from.get(0)).isTrue();
    assertThat(image.group(2)).isNotEqualTo("latest").startsWith("17").contains("jre");

    List<String> users = args(ins, "USER");
    assertThat(users).as("USER is set").isNotEmpty();
    String user = users.get(users.size() - 1);
    assertThat(user).as("numeric uid[:gid], so runAsNonRoot can be verified").matches("\\d+(:\\d+)?");
    long uid = Long.parseLong(user.split(":")[0]);
    assertThat(uid).isPositive();

    for (String copy : args(ins, "COPY")) {
      assertThat(copy).as("COPY from the build context, not another stage").doesNotStartWith("--from");
      String[] words = copy.split("\\s+");
      for (int i = 0; i < words.length - 1; i++) {
        assertThat(words[i]).as("the image carries its own service's artifact").startsWith(service + "/target/");
        Path source = DeployDir.repository().resolve(words[i]);
        assertThat(source).as(words[i] + " exists after mvn package").exists();
        if (Files.isDirectory(source)) {
          try (Stream<Path> jars = Files.list(source)) {
            assertThat(jars.filter(p -> p.toString().endsWith(".jar")).count()).as(words[i]).isGreaterThan(10);
          }
        }
      }
    }

    List<String> entry = args(ins, "ENTRYPOINT");
    assertThat(entry).hasSize(1);
    String e = entry.get(0).strip();
    assertThat(e).as("exec form: the JVM is PID 1 and gets SIGTERM").startsWith("[").endsWith("]");
    assertThat(e).startsWith("[\"java\"").endsWith("\"-jar\", \"/opt/distill/" + service + ".jar\"]")
        .contains("\"-Djava.io.tmpdir=/tmp\"");
    if (service.equals("student-trainer")) {
      assertThat(e).as("DJL must not reach for the network").contains("\"-Dai.djl.offline=true\"");
    } else {
      assertThat(e).as("no DJL in this image").doesNotContain("djl");
    }
    assertThat(args(ins, "CMD")).isEmpty();

    List<String> exposed = args(ins, "EXPOSE").stream().flatMap(a -> Stream.of(a.split("\\s+"))).toList();
    for (String overlay : Rendered.OVERLAYS) {
      Deployment d = Rendered.overlay(overlay).one("Deployment", service, Deployment.class);
      assertThat(d.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsUser())
          .as(overlay + ": the Deployment runs the image's user").isEqualTo(uid);
      String ref = d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
      assertThat(dev.distill.deploy.manifests.Kustomize.imageName(ref)).as(overlay).endsWith("/" + service);
      assertThat(ref).as(overlay + ": a tag or digest, never latest").isNotEqualTo(
          dev.distill.deploy.manifests.Kustomize.imageName(ref)).doesNotEndWith(":latest");
      assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getPorts())
          .extracting(p -> Integer.toString(p.getContainerPort()))
          .as(overlay + ": EXPOSE names the ports the container listens on")
          .containsExactlyInAnyOrderElementsOf(exposed);
    }
  }

  /**
   * The GPU flavour of a service's image differs from its CPU Dockerfile only in its base (a pinned
   * CUDA 12 runtime with cuDNN, which ONNX Runtime's CUDA provider loads from the system) and the
   * JRE 17 it installs there: the same user, artifact, environment, ports and entrypoint. Its
   * header says how to build it, after the cuda build that puts the GPU natives into lib/.
   */
  @ParameterizedTest
  @ValueSource(strings = {"teacher-scorer", "student-trainer"})
  void theCudaImageIsTheServicesImageOnACudaRuntimeBase(String service) throws IOException {
    Path docker = DeployDir.root().resolve("docker");
    Path file = docker.resolve(service + "-cuda.Dockerfile");
    List<String[]> cuda = instructions(file);
    List<String[]> cpu = instructions(docker.resolve(service + ".Dockerfile"));

    List<String> from = args(cuda, "FROM");
    assertThat(from).hasSize(1);
    assertThat(from.get(0)).as("a pinned CUDA 12 runtime (not devel) with cuDNN")
        .matches("nvidia/cuda:12\\.\\d+\\.\\d+-cudnn9?-runtime-ubuntu\\d+\\.\\d+");
    List<String[]> runs = cuda.stream().filter(i -> i[0].equals("RUN")).toList();
    assertThat(runs.get(0)[1]).as("a JRE 17, without recommends")
        .contains("apt-get install -y --no-install-recommends openjdk-17-jre-headless")
        .contains("rm -rf /var/lib/apt/lists/*");

    List<String> rest = cuda.stream().filter(i -> !i[0].equals("FROM") && i != runs.get(0))
        .map(i -> i[0] + " " + i[1]).toList();
    List<String> cpuRest = cpu.stream().filter(i -> !i[0].equals("FROM")).map(i -> i[0] + " " + i[1]).toList();
    assertThat(rest).as("the rest as in " + service + ".Dockerfile").containsExactlyElementsOf(cpuRest);

    String header = Files.readString(file);
    assertThat(header).as("the build command in the header")
        .contains("mvn -B -Pcuda -DskipTests package")
        .contains("docker build -f deploy/docker/" + service + "-cuda.Dockerfile -t distill.local/" + service + ":0.1.0-cuda .");
  }

  static List<String> args(List<String[]> ins, String keyword) {
    return ins.stream().filter(i -> i[0].equals(keyword)).map(i -> i[1]).toList();
  }
}
