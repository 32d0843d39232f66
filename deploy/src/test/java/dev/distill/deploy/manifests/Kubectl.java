package dev.distill.deploy.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The real kustomize, the one built into kubectl, which is what {@code kubectl apply -k} runs. */
public final class Kubectl {
  /** From the Google Cloud SDK's apt repository; Debian's own kubernetes-client (1.20) is too old and conflicts. */
  private static final String INSTALLED_BY = "Debian package kubectl; .ci/run installs it";
  private static final Map<Path, String> RENDERED = new ConcurrentHashMap<>();

  private Kubectl() {}

  /** What {@code kubectl kustomize dir} prints, which must exit 0; rendered once for all tests. */
  public static String kustomize(Path dir) {
    Path d = dir.toAbsolutePath().normalize();
    String cached = RENDERED.get(d);
    if (cached != null) {
      return cached;
    }
    Tool kubectl = Tool.require("kubectl", INSTALLED_BY);
    Tool.Result r = kubectl.run(DeployDir.root(), null, Duration.ofMinutes(2), "kustomize", d.toString());
    assertThat(r.exitCode()).as("kubectl kustomize %s: %s", d, r.stderr()).isZero();
    RENDERED.put(d, r.stdout());
    return r.stdout();
  }
}
