package dev.distill.publisher.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The people and tools that may call the admin API, each with a token of its own (kept only as
 * its SHA-256) and a role: {@code viewer} reads, {@code operator} also changes (registers devices,
 * starts, pauses, resumes, aborts and pins rollouts). The file {@code DISTILL_ADMIN_TOKENS} has a
 * line {@code NAME ROLE SHA256-OF-TOKEN} per operator ({@code distill admin-token} makes one);
 * {@code DISTILL_ADMIN_TOKEN} is the operator named {@code admin}.
 */
public final class Operators {
  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
  private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

  public enum Role {
    VIEWER,
    OPERATOR;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public record Operator(String name, Role role) {}

  private final Map<String, Operator> byTokenHash;

  private Operators(Map<String, Operator> byTokenHash) {
    this.byTokenHash = Map.copyOf(byTokenHash);
  }

  /** Only the main admin token. */
  public static Operators of(String adminToken) {
    return new Operators(Map.of(Callers.hex(Callers.sha256(adminToken)), new Operator("admin", Role.OPERATOR)));
  }

  /**
   * The main admin token and the operators listed in {@code file}.
   *
   * @throws IllegalArgumentException naming the line of the first problem
   */
  public static Operators read(String adminToken, Path file) throws IOException {
    Map<String, Operator> out = new HashMap<>(of(adminToken).byTokenHash);
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split("\\s+");
      String where = file + " line " + (i + 1);
      if (f.length != 3) {
        throw new IllegalArgumentException(where + ": expected NAME ROLE SHA256, got " + f.length + " field(s)");
      }
      if (!NAME.matcher(f[0]).matches()) {
        throw new IllegalArgumentException(where + ": the name must match " + NAME);
      }
      Role role;
      try {
        role = Role.valueOf(f[1].toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": the role must be viewer or operator, not " + f[1]);
      }
      if (!HEX.matcher(f[2]).matches()) {
        throw new IllegalArgumentException(where + ": the token's SHA-256 must be 64 lowercase hex digits");
      }
      if (out.putIfAbsent(f[2], new Operator(f[0], role)) != null) {
        throw new IllegalArgumentException(where + ": this token is listed twice");
      }
    }
    return new Operators(out);
  }

  /** The operator whose token this is, compared in constant time against every listed hash. */
  Optional<Operator> byToken(String token) {
    byte[] hash = Callers.sha256(token);
    Operator found = null;
    for (Map.Entry<String, Operator> e : byTokenHash.entrySet()) {
      if (MessageDigest.isEqual(hash, Callers.unhex(e.getKey()))) {
        found = e.getValue();
      }
    }
    return Optional.ofNullable(found);
  }

  public int size() {
    return byTokenHash.size();
  }
}
