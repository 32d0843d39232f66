package dev.distill.deploy.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.deploy.manifests.DeployDir;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each service's image as {@code mvn -Pimages package} builds it with Jib, without a container
 * engine ({@code <module>/target/<module>-image.tar}): it carries the service's own artifact and no
 * other service's engine, starts the way its Dockerfile does, and its JVM runs the service and loads
 * the service's natives as the image's non-root user on a read-only root, with only the two volumes
 * the Deployments mount writable.
 *
 * <p>Without the images (a build without {@code -Pimages}) the checks are skipped, unless the build
 * meant to make them ({@code -Ddistill.images.expected=true}, which the profile sets); running the
 * image needs root (to unpack its owners and to chroot), and is skipped otherwise.
 */
class ServiceImagesTest {
  /** Set by the {@code images} profile: a missing image then fails instead of being skipped. */
  static final String EXPECTED = "distill.images.expected";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String APP = "opt/distill/";
  private static final String CLASS_PATH_FILE = "/opt/distill/jib-classpath-file";

  /**
   * A pod, near enough, for a command run as root by {@code unshare --mount --pid --fork}: the
   * image's root bind-mounted read-only, /proc for the JVM, tmpfs volumes on /tmp and DISTILL_HOME
   * (owned by the image's user, as fsGroup makes them), then chroot, working folder and user.
   */
  private static final String POD = """
      set -e
      root=$1 probe=$2 uid=$3 gid=$4 wd=$5; shift 5
      mount --bind "$root" "$root"
      mount -o remount,bind,ro "$root"
      mount -t proc proc "$root/proc"
      mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
      mount -t tmpfs -o mode=0755,uid="$uid",gid="$gid" tmpfs "$root$DISTILL_HOME"
      if [ -n "$probe" ]; then cp -r "$probe" "$root/tmp/probe"; fi
      exec unshare --root="$root" --wd="$wd" --setuid="$uid" --setgid="$gid" "$@"
      """;

  @ParameterizedTest(name = "{0}")
  @CsvSource({"teacher-scorer, true", "student-trainer, false", "edge-publisher, true"})
  void anImageCarriesItsServicesOwnArtifactAndNoOtherServicesEngine(String module, boolean noTrainingEngine)
      throws IOException {
    ImageTar image = image(module);
    Map<String, ImageTar.Entry> files = image.files();
    Path target = DeployDir.repository().resolve(module).resolve("target");

    Path jar = jar(target, module);
    ImageTar.Entry imageJar = files.get(APP + "classpath/" + jar.getFileName());
    assertThat(imageJar).as("the image carries the jar mvn package wrote").isNotNull();
    assertThat(imageJar.size()).as(jar.getFileName().toString()).isEqualTo(Files.size(jar));

    List<String> libs = files.keySet().stream().filter(p -> p.startsWith(APP + "libs/") && p.endsWith(".jar"))
        .map(p -> p.substring(p.lastIndexOf('/') + 1)).sorted().toList();
    try (Stream<Path> s = Files.list(target.resolve("lib"))) {
      assertThat(libs).as(module + ": the libraries of its artifact's lib/").isNotEmpty()
          .isSubsetOf(s.map(p -> p.getFileName().toString()).toList());
    }
    ServiceArtifactsTest.assertNoOtherServicesJars(module, libs, noTrainingEngine);
    assertThat(libs).as("the CPU flavour (the GPU images are the *-cuda.Dockerfiles): build it without -Pcuda")
        .noneMatch(j -> j.startsWith("onnxruntime_gpu") || j.startsWith("pytorch-native-cu"));
    if (noTrainingEngine) {
      assertThat(files.keySet()).as(module + ": no PyTorch natives anywhere in the image")
          .noneMatch(p -> p.contains("libtorch") || p.contains("pytorch") || p.contains("djl"));
    }

    assertThat(files.values()).as("no setuid or setgid file").noneMatch(e -> (e.mode() & 06000) != 0);
    assertThat(files).as("nothing to exec into but java: no shell, no package manager")
        .doesNotContainKeys("usr/bin/sh", "usr/bin/bash", "usr/bin/dash", "usr/bin/apt-get", "usr/bin/dpkg");
    assertThat(files.get("usr/bin/java")).as("java on the PATH").isNotNull();
    ImageTar.Entry tmp = files.get("tmp");
    assertThat(tmp.mode() & 07777).as("/tmp, sticky and world-writable").isEqualTo(01777);
    ImageTar.Entry home = files.get("var/lib/distill");
    assertThat(home.type()).isEqualTo(ImageTar.Entry.DIRECTORY);
    assertThat(List.of(home.uid(), home.gid())).as("DISTILL_HOME belongs to the service's user").containsExactly(10001L, 10001L);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "teacher-scorer,  dev.distill.scorer.ScorerMain",
      "student-trainer, dev.distill.trainer.service.TrainerMain",
      "edge-publisher,  dev.distill.publisher.PublisherMain"})
  void anImageStartsItsServiceAsItsDockerfileDoes(String module, String mainClass) throws IOException {
    ImageTar image = image(module);
    List<String[]> dockerfile = DockerfileTest.instructions(DeployDir.root().resolve("docker").resolve(module + ".Dockerfile"));

    List<String> users = DockerfileTest.args(dockerfile, "USER");
    assertThat(image.user()).as("numeric uid:gid, not root, the Dockerfile's")
        .matches("[1-9][0-9]*:[0-9]+").isEqualTo(users.get(users.size() - 1));
    assertThat(image.workingDir()).isEqualTo(DockerfileTest.args(dockerfile, "WORKDIR").get(0));

    // the Dockerfile's JVM flags; Jib's class path (its layers) and the main class instead of -jar
    List<String> dockerEntrypoint = JSON.readValue(DockerfileTest.args(dockerfile, "ENTRYPOINT").get(0),
        new TypeReference<List<String>>() {});
    List<String> expected = new ArrayList<>(dockerEntrypoint.subList(0, dockerEntrypoint.indexOf("-jar")));
    expected.addAll(List.of("-cp", "@" + CLASS_PATH_FILE, mainClass));
    assertThat(image.entrypoint()).as("exec form: the JVM is PID 1 and gets SIGTERM").containsExactlyElementsOf(expected);
    assertThat(image.config().path("config").path("Cmd")).as("no arguments appended").isEmpty();

    List<String> ports = DockerfileTest.args(dockerfile, "EXPOSE").stream()
        .flatMap(a -> Arrays.stream(a.split("\\s+"))).map(p -> p.contains("/") ? p : p + "/tcp").toList();
    assertThat(image.exposedPorts()).containsExactlyInAnyOrderElementsOf(ports);
    for (String env : DockerfileTest.args(dockerfile, "ENV")) {
      String[] kv = env.split("=", 2);
      assertThat(image.environment()).containsEntry(kv[0], kv[1]);
    }

    assertThat(image.config().path("created").asText()).as("reproducible: no build time in the image")
        .isEqualTo("1970-01-01T00:00:00Z");
    assertThat(image.repoTags()).singleElement().asString().as("<registry>/" + module + ":<tag>")
        .matches("[^/\\s]+(/[^/\\s]+)*/" + module + ":[^:/\\s]+").doesNotEndWith(":latest");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "teacher-scorer,  scorer,          onnxruntime",
      "student-trainer, student-trainer, pytorch",
      "edge-publisher,  edge-publisher,  zstd"})
  void anImagesJvmRunsItsServiceAndNativesAsItsUserOnAReadOnlyRoot(String module, String name, String natives,
      @TempDir Path dir) throws Exception {
    ImageTar image = image(module);
    assumeTrue(((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0,
        "running an image needs root (its files' owners, chroot, mounts)");
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/unshare")), "running an image needs unshare (util-linux)");
    Path root = Files.createDirectory(dir.resolve("root"));
    Path blobs = Files.createDirectory(dir.resolve("blobs"));
    image.extractTo(root, blobs);

    // its own entrypoint, with one bad setting: it reads its settings and refuses them, as in a pod
    Result start = run(image, root, image.entrypoint(), Map.of("DISTILL_HTTP_PORT", "-1"), null, dir);
    assertThat(start.exit()).as(start.toString()).isEqualTo(2);
    assertThat(start.stderr()).as(start.toString()).contains(name + ": ").contains("DISTILL_HTTP_PORT");

    // the same JVM and flags on the image's class path plus ImageProbe: user, encoding, natives
    List<String> probe = new ArrayList<>(image.entrypoint().subList(0, image.entrypoint().indexOf("-cp")));
    probe.addAll(List.of("-cp", "/tmp/probe:" + Files.readString(root.resolve(CLASS_PATH_FILE.substring(1))).strip(),
        ImageProbe.class.getName(), "jvm", natives));
    Result checks = run(image, root, probe, Map.of(), probeClasses(dir), dir);
    assertThat(checks.exit()).as(checks.toString()).isZero();
    assertThat(checks.stdout()).as(checks.toString())
        .contains("user.name distill", "file.encoding UTF-8", "sun.jnu.encoding UTF-8").contains(natives + ": ");
    checks.stdout().lines().filter(l -> l.startsWith("jvm: ") || l.startsWith(natives + ": "))
        .forEach(l -> System.out.println("image " + module + " " + l));
  }

  /**
   * The image's tar, or the test skipped (failed, when the build was meant to make it): also when
   * the tar is older than the service's jar, left by an earlier {@code -Pimages} build.
   */
  static ImageTar image(String module) throws IOException {
    Path target = DeployDir.repository().resolve(module).resolve("target");
    Path tar = target.resolve(module + "-image.tar");
    String reason = null;
    if (!Files.isRegularFile(tar)) {
      reason = "no " + DeployDir.repository().relativize(tar);
    } else if (Files.getLastModifiedTime(tar).compareTo(Files.getLastModifiedTime(jar(target, module))) < 0) {
      reason = DeployDir.repository().relativize(tar) + " is older than the service's jar";
    }
    if (reason != null) {
      reason += ": build the images with mvn -Pimages package";
      if (Boolean.getBoolean(EXPECTED)) {
        fail(reason);
      }
      assumeTrue(false, reason);
    }
    return ImageTar.read(tar);
  }

  private static Path jar(Path target, String module) throws IOException {
    try (Stream<Path> s = Files.list(target)) {
      return s.filter(p -> p.getFileName().toString().matches(module + "-[0-9][^/]*\\.jar")).findFirst().orElseThrow();
    }
  }

  record Result(List<String> command, int exit, String stdout, String stderr) {
    @Override
    public String toString() {
      return String.join(" ", command) + " -> exit " + exit + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr;
    }
  }

  private static Result run(ImageTar image, Path root, List<String> command, Map<String, String> env, Path probe,
      Path dir) throws IOException, InterruptedException {
    String[] user = image.user().split(":");
    List<String> full = new ArrayList<>(List.of("/usr/bin/unshare", "--mount", "--pid", "--fork", "--propagation",
        "private", "/bin/sh", "-c", POD, "pod", root.toString(), probe == null ? "" : probe.toString(), user[0],
        user[1], image.workingDir()));
    full.addAll(command);
    ProcessBuilder pb = new ProcessBuilder(full);
    // the image's environment only, as a container runtime gives it
    pb.environment().clear();
    pb.environment().putAll(image.environment());
    pb.environment().putAll(env);
    Path out = Files.createTempFile(dir, "stdout", ".txt");
    Path err = Files.createTempFile(dir, "stderr", ".txt");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    // a cold PyTorch unpacks ~0.5 GB first; on 2 busy cores that took under a minute
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      fail(command + " still running after 5 minutes: " + Files.readString(out) + Files.readString(err));
    }
    return new Result(command, p.exitValue(), Files.readString(out), Files.readString(err));
  }

  /** ImageProbe's classes, alone, to put on the image's class path. */
  private static Path probeClasses(Path dir) throws IOException, URISyntaxException {
    Path classes = Path.of(ImageProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    String pkg = ImageProbe.class.getPackageName().replace('.', '/');
    Path to = Files.createDirectories(dir.resolve("probe").resolve(pkg));
    try (Stream<Path> s = Files.list(classes.resolve(pkg))) {
      for (Path c : s.filter(p -> p.getFileName().toString().startsWith(ImageProbe.class.getSimpleName())).toList()) {
        Files.copy(c, to.resolve(c.getFileName()));
      }
    }
    return dir.resolve("probe");
  }
}
