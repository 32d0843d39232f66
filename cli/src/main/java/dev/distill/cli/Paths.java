package dev.distill.cli;

import dev.distill.contract.data.DataHome;
import java.nio.file.Path;

/** The CLI's local folders, all under the data home ({@code DISTILL_HOME}, default ~/.distill). */
final class Paths {
  private Paths() {}

  static Path home() {
    return DataHome.resolve().root();
  }

  static Path kafka() {
    return home().resolve("kafka");
  }

  static Path demo() {
    return home().resolve("demo");
  }
}
