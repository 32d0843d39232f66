package dev.distill.publisher.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OperatorsTest {
  @TempDir Path dir;

  @Test
  void theFileNamesEachOperatorsRoleByItsTokensHash() throws Exception {
    Path f = dir.resolve("ops");
    Files.writeString(f, "# comment\n\nvera viewer " + Callers.hex(Callers.sha256("t-vera")) + "\n"
        + "otto  OPERATOR\t" + Callers.hex(Callers.sha256("t-otto")) + "\n");
    Operators ops = Operators.read("main-admin-token", f);
    assertThat(ops.size()).isEqualTo(3);
    assertThat(ops.byToken("t-vera")).contains(new Operators.Operator("vera", Operators.Role.VIEWER));
    assertThat(ops.byToken("t-otto")).contains(new Operators.Operator("otto", Operators.Role.OPERATOR));
    assertThat(ops.byToken("main-admin-token")).contains(new Operators.Operator("admin", Operators.Role.OPERATOR));
    assertThat(ops.byToken("t-nobody")).isEmpty();
  }

  @Test
  void aBadLineIsNamedWithItsNumber() throws Exception {
    String hash = Callers.hex(Callers.sha256("x"));
    for (String[] bad : new String[][] {
        {"vera viewer", "line 1: expected NAME ROLE SHA256"},
        {"vera admin " + hash, "line 1: the role must be viewer or operator"},
        {"vera viewer ABC", "line 1: the token's SHA-256 must be 64 lowercase hex digits"},
        {"a viewer " + hash + "\nb operator " + hash, "line 2: this token is listed twice"},
        {"bad/name viewer " + hash, "line 1: the name must match"}}) {
      Path f = dir.resolve("bad");
      Files.writeString(f, bad[0]);
      assertThatThrownBy(() -> Operators.read("main-admin-token", f)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(bad[1]);
    }
  }
}
