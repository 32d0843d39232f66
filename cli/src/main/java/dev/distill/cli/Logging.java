package dev.distill.cli;

import java.nio.file.Path;
import java.util.Set;

/**
 * Where logs go. Interactive commands keep the terminal for progress and results and write
 * logs to a file they name; the services (run in containers) write JSON lines to stdout,
 * where the platform's log collector expects them. {@code DISTILL_LOG_FORMAT=json|text|file}
 * overrides the choice.
 */
final class Logging {
  private static final Set<String> SERVICES = Set.of("scorer", "trainer", "publisher");
  private static Path logFile = Path.of("distill.log");

  private Logging() {}

  static void configure(String[] args) {
    if (System.getProperty("logback.configurationFile") != null) {
      return;
    }
    String format = System.getenv().getOrDefault("DISTILL_LOG_FORMAT", "");
    if (format.isEmpty()) {
      format = args.length > 0 && SERVICES.contains(args[0]) ? "json" : "file";
    }
    logFile = Paths.home().resolve("logs").resolve("distill.log");
    System.setProperty("distill.log.file", logFile.toString());
    // json: the services' own configuration (platform's logback.xml), as their images run it
    System.setProperty("logback.configurationFile", switch (format) {
      case "json" -> "logback.xml";
      case "text" -> "logback-text.xml";
      default -> "logback-file.xml";
    });
  }

  static Path logFile() {
    return logFile;
  }
}
