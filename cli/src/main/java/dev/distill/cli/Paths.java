package dev.distill.cli;

import dev.distill.contract.data.DataHome;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

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

  /** A new report folder, {@code reports/<name>-<yyyyMMdd-HHmmss>}, unless the user named one. */
  static Path report(Path given, String name) {
    return given != null ? given : home().resolve("reports")
        .resolve(name + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
  }
}
