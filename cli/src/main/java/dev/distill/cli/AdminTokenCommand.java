package dev.distill.cli;

import dev.distill.publisher.http.Operators;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** A new operator token for the publisher's admin API, and the line of DISTILL_ADMIN_TOKENS that admits it. */
@Command(name = "admin-token", mixinStandardHelpOptions = true,
    description = "Make a token for one operator of the publisher's admin API: prints the token (give it to the "
        + "operator; it is shown once) and the line to add to the DISTILL_ADMIN_TOKENS file (it holds only the "
        + "token's SHA-256).")
final class AdminTokenCommand implements Callable<Integer> {
  @Option(names = "--name", required = true, description = "who the token is for (letters, digits, . _ @ -)")
  String name;

  @Option(names = "--role", defaultValue = "viewer", description = "viewer (reads) or operator (also changes); default ${DEFAULT-VALUE}")
  String role;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (!Operators.NAME.matcher(name).matches()) {
      throw new UserError("--name must match " + Operators.NAME);
    }
    Operators.Role r;
    try {
      r = Operators.Role.valueOf(role.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new UserError("--role must be viewer or operator, not " + role);
    }
    byte[] raw = new byte[32];
    new SecureRandom().nextBytes(raw);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    var out = spec.commandLine().getOut();
    out.println("token (for " + name + "; shown once): " + token);
    out.println("line for DISTILL_ADMIN_TOKENS:");
    out.println(name + " " + r.label() + " " + hash);
    return 0;
  }
}
