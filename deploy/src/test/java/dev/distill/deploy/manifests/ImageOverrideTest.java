package dev.distill.deploy.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kustomize's {@code images:}, as a team points the manifests at its own registry and tags. */
class ImageOverrideTest {
  @TempDir Path dir;

  @Test
  void theProductionOverlayPullsFromARegistryAndRunsTheCudaBuildOfTheTrainer() {
    Rendered prod = Rendered.overlay("production");
    assertThat(image(prod, "student-trainer")).isEqualTo("registry.example.com/distill/student-trainer:0.1.0-cuda");
    assertThat(image(prod, "teacher-scorer")).isEqualTo("registry.example.com/distill/teacher-scorer:0.1.0");
    assertThat(image(prod, "edge-publisher")).isEqualTo("registry.example.com/distill/edge-publisher:0.1.0");
    assertThat(image(Rendered.overlay("dev"), "student-trainer")).isEqualTo("distill.local/student-trainer:0.1.0");
  }

  @Test
  void anOverlayOfAnOverlayMovesTheImagesToAnotherRegistry() throws Exception {
    Path overlay = DeployDir.root().resolve("overlays").resolve("dev").toAbsolutePath();
    Files.writeString(dir.resolve("kustomization.yaml"), """
        apiVersion: kustomize.config.k8s.io/v1beta1
        kind: Kustomization
        resources:
          - %s
        images:
          - name: distill.local/teacher-scorer
            newName: registry.example.com:5000/ml/teacher-scorer
          - name: distill.local/edge-publisher
            newName: registry.example.com:5000/ml/edge-publisher
            newTag: 0.2.0
          - name: distill.local/student-trainer
            digest: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
        """.formatted(overlay));
    Rendered r = new Rendered("mine", Kustomize.build(dir));
    assertThat(image(r, "teacher-scorer")).isEqualTo("registry.example.com:5000/ml/teacher-scorer:0.1.0");
    assertThat(image(r, "edge-publisher")).isEqualTo("registry.example.com:5000/ml/edge-publisher:0.2.0");
    assertThat(image(r, "student-trainer"))
        .isEqualTo("distill.local/student-trainer@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  }

  @Test
  void anImageNameIsItsReferenceWithoutTagOrDigest() {
    assertThat(Kustomize.imageName("registry:5000/a/b:1")).isEqualTo("registry:5000/a/b");
    assertThat(Kustomize.imageName("registry:5000/a/b")).isEqualTo("registry:5000/a/b");
    assertThat(Kustomize.imageName("a/b@sha256:ff")).isEqualTo("a/b");
  }

  private static String image(Rendered r, String deployment) {
    return r.one("Deployment", deployment, Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0)
        .getImage();
  }
}
