package dev.distill.platform.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads typed settings from environment-style variables ({@code DISTILL_*}), collecting every
 * problem instead of stopping at the first, so that a misconfigured service says everything
 * wrong with it in one message ({@link #validate()}).
 *
 * <p>Sources, highest precedence first: the environment; the properties file named by
 * {@code DISTILL_CONFIG_FILE} (same keys as the variables). {@code KAFKA_*} variables pass
 * through to the Kafka clients ({@code KAFKA_MAX_POLL_RECORDS} becomes {@code
 * max.poll.records}).
 */
public final class ConfigReader {
  public static final String CONFIG_FILE = "DISTILL_CONFIG_FILE";
  private static final Pattern SECRET =
      Pattern.compile("(?i).*(password|secret|token|jaas|credential|private[._]?key).*");

  private final Map<String, String> values;
  private final List<String> problems = new ArrayList<>();
  private final Map<String, String> used = new TreeMap<>();

  private ConfigReader(Map<String, String> values) {
    this.values = values;
  }

  /** From the process environment (and the file it names, if any). */
  public static ConfigReader fromEnvironment() {
    return from(System.getenv());
  }

  /** From an environment-like map (and the file it names, if any); tests pass their own map. */
  public static ConfigReader from(Map<String, String> env) {
    Map<String, String> merged = new LinkedHashMap<>();
    List<String> early = new ArrayList<>();
    String file = env.get(CONFIG_FILE);
    if (file != null && !file.isBlank()) {
      Properties p = new Properties();
      try (Reader r = Files.newBufferedReader(Path.of(file))) {
        p.load(r);
        p.stringPropertyNames().forEach(k -> merged.put(k.trim(), p.getProperty(k).trim()));
      } catch (IOException e) {
        early.add(CONFIG_FILE + "=" + file + ": cannot read (" + e.getMessage() + ")");
      }
    }
    merged.putAll(env);
    ConfigReader reader = new ConfigReader(merged);
    reader.problems.addAll(early);
    return reader;
  }

  public String string(String key, String defaultValue) {
    String v = raw(key);
    String result = v == null ? defaultValue : v;
    note(key, result);
    return result;
  }

  public String string(String key, String defaultValue, Pattern pattern, String expected) {
    String v = string(key, defaultValue);
    if (v != null && !pattern.matcher(v).matches()) {
      problem(key, v, expected);
    }
    return v;
  }

  /** A value the service cannot start without. */
  public String required(String key, String what) {
    String v = raw(key);
    if (v == null || v.isBlank()) {
      problems.add(key + " is required: " + what);
      return null;
    }
    note(key, v);
    return v;
  }

  public int intValue(String key, int defaultValue, int min, int max) {
    return parse(key, defaultValue, Integer::parseInt, "an integer in [" + min + ", " + max + "]",
        v -> v >= min && v <= max);
  }

  public long longValue(String key, long defaultValue, long min, long max) {
    return parse(key, defaultValue, Long::parseLong, "an integer in [" + min + ", " + max + "]",
        v -> v >= min && v <= max);
  }

  public double doubleValue(String key, double defaultValue, double min, double max) {
    return parse(key, defaultValue, Double::parseDouble, "a number in [" + min + ", " + max + "]",
        v -> v >= min && v <= max);
  }

  public boolean bool(String key, boolean defaultValue) {
    return parse(key, defaultValue, s -> switch (s.toLowerCase(Locale.ROOT)) {
      case "true", "yes", "1", "on" -> true;
      case "false", "no", "0", "off" -> false;
      default -> throw new IllegalArgumentException();
    }, "true or false", v -> true);
  }

  /** Durations as {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h} or ISO-8601 ({@code PT30S}). */
  public Duration duration(String key, Duration defaultValue, Duration min, Duration max) {
    return parse(key, defaultValue, ConfigReader::parseDuration,
        "a duration between " + human(min) + " and " + human(max) + " (e.g. 500ms, 30s, 5m)",
        v -> v.compareTo(min) >= 0 && v.compareTo(max) <= 0);
  }

  public <E extends Enum<E>> E enumValue(String key, E defaultValue, Class<E> type) {
    List<String> names = new ArrayList<>();
    for (E e : type.getEnumConstants()) {
      names.add(e.name().toLowerCase(Locale.ROOT).replace('_', '-'));
    }
    return parse(key, defaultValue,
        s -> Enum.valueOf(type, s.trim().toUpperCase(Locale.ROOT).replace('-', '_')),
        "one of " + names, v -> true);
  }

  public Path path(String key, Path defaultValue) {
    return parse(key, defaultValue, Path::of, "a file system path", v -> true);
  }

  /** {@code KAFKA_*} variables as Kafka client properties. */
  public Map<String, String> kafkaPassthrough() {
    Map<String, String> out = new TreeMap<>();
    values.forEach((k, v) -> {
      if (k.startsWith("KAFKA_") && k.length() > 6) {
        String prop = k.substring(6).toLowerCase(Locale.ROOT).replace('_', '.');
        out.put(prop, v);
        note(k, v);
      }
    });
    return out;
  }

  /** Adds a problem found by a cross-field check of the caller. */
  public void problem(String key, String value, String expected) {
    problems.add(key + "=" + display(key, value) + ": expected " + expected);
  }

  /** @throws ConfigException listing every problem found so far */
  public void validate() {
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
  }

  public List<String> problems() {
    return List.copyOf(problems);
  }

  /** The settings read, with secrets redacted: safe to log. */
  public Map<String, String> effective() {
    Map<String, String> out = new TreeMap<>();
    used.forEach((k, v) -> out.put(k, display(k, v)));
    return out;
  }

  /** Redacts a value whose key looks like a secret. */
  public static String display(String key, String value) {
    if (value == null) {
      return "null";
    }
    return SECRET.matcher(key).matches() ? "****" : value;
  }

  public static Duration parseDuration(String s) {
    String v = s.trim().toLowerCase(Locale.ROOT);
    try {
      if (v.startsWith("pt") || v.startsWith("p")) {
        return Duration.parse(v.toUpperCase(Locale.ROOT));
      }
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(e);
    }
    var m = Pattern.compile("(-?\\d+)(ms|s|m|h|d)").matcher(v);
    if (!m.matches()) {
      throw new IllegalArgumentException(s);
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }

  private static String human(Duration d) {
    if (d.toMillis() % 1000 != 0 || d.isZero()) {
      return d.toMillis() + "ms";
    }
    return d.toSeconds() + "s";
  }

  private String raw(String key) {
    String v = values.get(key);
    return v == null ? null : v.trim();
  }

  private void note(String key, String value) {
    if (value != null) {
      used.put(key, value);
    }
  }

  private <T> T parse(
      String key, T defaultValue, Function<String, T> parser, String expected,
      java.util.function.Predicate<T> valid) {
    String v = raw(key);
    if (v == null || v.isEmpty()) {
      note(key, defaultValue == null ? null : defaultValue.toString());
      return defaultValue;
    }
    note(key, v);
    try {
      T parsed = parser.apply(v);
      if (!valid.test(parsed)) {
        problem(key, v, expected);
        return defaultValue;
      }
      return parsed;
    } catch (RuntimeException e) {
      problem(key, v, expected);
      return defaultValue;
    }
  }
}
