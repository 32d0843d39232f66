package dev.distill.platform.config;

import java.util.List;

/** Every configuration problem found at start-up, reported at once. */
public class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  public ConfigException(List<String> problems) {
    super(format(problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }

  private static String format(List<String> problems) {
    StringBuilder sb = new StringBuilder("invalid configuration (")
        .append(problems.size()).append(problems.size() == 1 ? " problem):" : " problems):");
    for (String p : problems) {
      sb.append("\n  - ").append(p);
    }
    return sb.toString();
  }
}
