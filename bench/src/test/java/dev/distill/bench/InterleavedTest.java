package dev.distill.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class InterleavedTest {
  @Test
  void sidesAlternateAndTheOrderFlipsEachRound() throws Exception {
    List<String> order = new ArrayList<>();
    Paired p = Interleaved.run(4, () -> {
      order.add("a");
      return 2;
    }, () -> {
      order.add("b");
      return 4;
    });
    assertEquals(List.of("a", "b", "b", "a", "a", "b", "b", "a"), order);
    assertArrayEquals(new double[] {0.5, 0.5, 0.5, 0.5}, p.ratios());
  }

  @Test
  void everyPairOfSidesSwapsOrderFromOneRoundToTheNext() throws Exception {
    List<String> order = new ArrayList<>();
    List<Trial> sides = new ArrayList<>();
    for (String name : List.of("raw", "service", "torch")) {
      sides.add(() -> {
        order.add(name);
        return name.length();
      });
    }
    List<Integer> told = new ArrayList<>();
    double[][] rounds = Interleaved.inTurn(2, sides, (r, f) -> told.add(r));
    assertEquals(List.of("raw", "service", "torch", "torch", "service", "raw"), order);
    assertEquals(List.of(0, 1), told);
    assertArrayEquals(new double[] {3, 3}, rounds[0]);
    assertArrayEquals(new double[] {7, 7}, rounds[1]);
    assertArrayEquals(new double[] {5, 5}, rounds[2]);
  }

  @Test
  void theRatioIsTheMedianOfPerRoundRatiosNotTheRatioOfMedians() {
    // a machine that halves its speed in rounds 2 and 3 halves both sides: the ratio holds
    Paired p = new Paired(new double[] {90, 45, 45, 90, 90}, new double[] {100, 50, 50, 100, 100});
    Spread r = p.ratio();
    assertEquals(0.9, r.median(), 1e-12);
    assertEquals(0.9, r.min(), 1e-12);
    assertEquals(0.9, r.max(), 1e-12);
    assertEquals(90, p.sideA().median());
    assertEquals(45, p.sideA().min());
  }

  @Test
  void spreadOfAnEvenCountAveragesTheMiddleTwo() {
    Spread s = Spread.of(4, 1, 3, 2);
    assertEquals(2.5, s.median());
    assertEquals(1, s.min());
    assertEquals(4, s.max());
    assertEquals(1.2, s.relativeRange(), 1e-12);
  }

  @Test
  void unevenSidesAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new Paired(new double[] {1}, new double[] {1, 2}));
    assertThrows(IllegalArgumentException.class, () -> Interleaved.run(0, () -> 1, () -> 1));
  }
}
