package dev.distill.trainer;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Long-running tests (minutes of training on 2 cores) run only when asked with
 * {@code -Ddistill.long=true}; elsewhere they are skipped, never failed.
 */
public final class LongTests {
  public static final String PROPERTY = "distill.long";

  private LongTests() {}

  public static void require(String what) {
    assumeTrue(Boolean.getBoolean(PROPERTY), what + ": a long test, run with -D" + PROPERTY + "=true");
  }
}
