package dev.distill.deploy.manifests;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the tests find {@code deploy/} and the repository, whichever folder Maven runs them from. */
public final class DeployDir {
  private DeployDir() {}

  /** The {@code deploy/} folder. */
  public static Path root() {
    Path here = Path.of("").toAbsolutePath();
    for (Path p = here; p != null; p = p.getParent()) {
      if (Files.isDirectory(p.resolve("base")) && Files.isRegularFile(p.resolve("pom.xml"))
          && p.getFileName().toString().equals("deploy")) {
        return p;
      }
      if (Files.isDirectory(p.resolve("deploy/base"))) {
        return p.resolve("deploy");
      }
    }
    throw new IllegalStateException("no deploy/ folder above " + here);
  }

  public static Path repository() {
    return root().getParent();
  }
}
