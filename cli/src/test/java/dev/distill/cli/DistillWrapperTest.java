package dev.distill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository's {@code ./distill} wrapper (and {@code deploy/gpu-check.sh}, which goes through it) chooses the build's flavour (CUDA where nvidia-smi
 * lists a GPU, else CPU; DISTILL_CUDA decides when set), says it in one line, and rebuilds when the
 * flavour changes. Run on a copy of the script with stand-ins for mvn, java and nvidia-smi that
 * record what they were asked, so no real build or GPU is needed.
 */
class DistillWrapperTest {
  @TempDir Path root;
  private Path bin;
  private Path calls;

  @BeforeEach
  void copyOfTheWrapperWithStandIns() throws IOException {
    Path script = root.resolve("distill");
    Files.copy(Path.of("..", "distill"), script);
    executable(script);
    bin = Files.createDirectories(root.resolve("bin"));
    calls = root.resolve("calls");
    // mvn builds the jar and, as cli/pom.xml does, writes the flavour its profile means
    stub("mvn", "echo \"mvn $*\" >> " + calls + "\n"
        + "mkdir -p " + root + "/cli/target && touch " + root + "/cli/target/distill.jar\n"
        + "case \" $* \" in *' -Pcuda '*) f=cuda ;; *) f=cpu ;; esac\n"
        + "echo $f > " + root + "/cli/target/distill.flavour\n");
    stub("java", "echo \"java $*\" >> " + calls + "\n");
    // nvidia-smi -L on a machine without a GPU: "No devices were found", exit 6
    stub("nvidia-smi", "echo 'No devices were found'; exit 6\n");
  }

  @Test
  void withoutAGpuTheCpuFlavourIsBuiltAndSaidOnceThenReused() throws Exception {
    Result first = run(Map.of());
    assertThat(first.stderr).startsWith("building distill, cpu flavour (no GPU listed by nvidia-smi;").hasLineCount(1);
    assertThat(Files.readAllLines(calls)).first().asString().startsWith("mvn -B -q -f ").contains(" -P!cuda -DskipTests package");

    Result second = run(Map.of());
    assertThat(second.stderr).isEmpty();
    assertThat(Files.readAllLines(calls)).hasSize(3).filteredOn(l -> l.startsWith("mvn")).hasSize(1);
  }

  @Test
  void aGpuListedByNvidiaSmiBuildsTheCudaFlavourAndDistillCuda0OverridesIt() throws Exception {
    stub("nvidia-smi", "[ \"$1\" = -L ] && echo 'GPU 0: NVIDIA A10G (UUID: GPU-1234)'\n");
    Result cuda = run(Map.of());
    assertThat(cuda.stderr).startsWith("building distill, cuda flavour (nvidia-smi lists a GPU;");
    assertThat(Files.readString(root.resolve("cli/target/distill.flavour")).trim()).isEqualTo("cuda");

    Result cpu = run(Map.of("DISTILL_CUDA", "0"));
    assertThat(cpu.stderr).startsWith("building distill, cpu flavour (DISTILL_CUDA=0;");
    assertThat(Files.readString(root.resolve("cli/target/distill.flavour")).trim()).isEqualTo("cpu");
  }

  @Test
  void distillCuda1BuildsTheCudaFlavourWithoutAGpuAndAChangeOfFlavourRebuilds() throws Exception {
    run(Map.of());
    Result cuda = run(Map.of("DISTILL_CUDA", "1"));
    assertThat(cuda.stderr).startsWith("building distill, cuda flavour (DISTILL_CUDA=1;");
    assertThat(Files.readAllLines(calls).stream().filter(l -> l.startsWith("mvn")))
        .satisfiesExactly(l -> assertThat(l).contains(" -P!cuda "), l -> assertThat(l).contains(" -Pcuda "));
  }

  @Test
  void anUnknownDistillCudaValueIsRefusedInOneLine() throws Exception {
    Result r = run(Map.of("DISTILL_CUDA", "yes"));
    assertThat(r.exit).isEqualTo(2);
    assertThat(r.stderr).startsWith("distill: DISTILL_CUDA=yes: expected 1 (the CUDA build), 0 (the CPU build) or unset")
        .hasLineCount(1);
    assertThat(calls).doesNotExist();
  }

  @Test
  void theGpuCheckScriptStopsBeforeBuildingWhereNvidiaSmiListsNoGpu() throws Exception {
    Files.createDirectories(root.resolve("deploy"));
    Files.copy(Path.of("..", "deploy", "gpu-check.sh"), root.resolve("deploy/gpu-check.sh"));
    executable(root.resolve("deploy/gpu-check.sh"));

    Result r = run(root.resolve("deploy/gpu-check.sh"), Map.of());
    assertThat(r.exit).isEqualTo(1);
    assertThat(r.stderr).isEqualTo("gpu-check: no GPU: nvidia-smi -L lists none; DISTILL_CUDA=1 checks anyway\n");
    assertThat(calls).doesNotExist();

    stub("nvidia-smi", "[ \"$1\" = -L ] && echo 'GPU 0: NVIDIA A10G (UUID: GPU-1234)'\n");
    Result gpu = run(root.resolve("deploy/gpu-check.sh"), Map.of());
    assertThat(gpu.stderr).startsWith("building distill, cuda flavour (DISTILL_CUDA=1;");
    assertThat(Files.readAllLines(calls)).last().asString().startsWith("java ").endsWith(" gpu-check --help");
  }

  private record Result(int exit, String stderr) {}

  private Result run(Map<String, String> env) throws Exception {
    return run(root.resolve("distill"), env);
  }

  private Result run(Path script, Map<String, String> env) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(script.toString(), "--help")
        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().remove("DISTILL_CUDA");
    // the stand-ins first, then only the system's own folders: a real nvidia-smi or mvn must not answer
    pb.environment().put("PATH", bin + ":/usr/bin:/bin");
    pb.environment().put("DISTILL_HOME", root.resolve("home").toString());
    pb.environment().putAll(env);
    Process p = pb.start();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), err);
  }

  private void stub(String name, String body) throws IOException {
    Path f = bin.resolve(name);
    Files.writeString(f, "#!/bin/sh\n" + body);
    executable(f);
  }

  private static void executable(Path f) throws IOException {
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
  }
}
