package dev.distill.contract.testing;

import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** Hostile variants of a valid record for the property tests: up to eight bytes overwritten, perhaps cut short or extended. */
public final class Mutations {
  private Mutations() {}

  public static Arbitrary<byte[]> of(byte[] valid) {
    Arbitrary<int[]> edits = Arbitraries.integers().between(0, Integer.MAX_VALUE).array(int[].class).ofMinSize(1).ofMaxSize(16);
    Arbitrary<Integer> newLength = Arbitraries.integers().between(0, valid.length + 64);
    return Combinators.combine(edits, newLength, Arbitraries.of(true, false)).as((e, len, resize) -> {
      byte[] b = resize ? Arrays.copyOf(valid, len) : valid.clone();
      for (int i = 0; i + 1 < e.length && b.length > 0; i += 2) {
        b[e[i] % b.length] = (byte) e[i + 1];
      }
      return b;
    });
  }
}
