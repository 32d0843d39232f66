package dev.distill.cli.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RatesTest {
  @Test
  void theMedianIsTheFigureAndTheRoundsExtremesItsSpread() {
    Rates r = new Rates(List.of(9_410.0, 8_870.0, 9_120.0, 9_000.0, 9_300.0));
    assertThat(r.median()).isEqualTo(9_120.0);
    assertThat(r.samplesPerSecond()).isEqualTo("9,120 (8,870..9,410)");
    assertThat(new Rates(List.of(1.0, 4.0, 2.0, 3.0)).median()).isEqualTo(2.5);
  }

  @Test
  void theRatioIsTakenRoundByRoundBecauseTheRoundsAlternate() {
    Rates gpu = new Rates(List.of(100.0, 200.0, 150.0));
    Rates cpu = new Rates(List.of(10.0, 10.0, 10.0));
    assertThat(gpu.over(cpu).ratio()).isEqualTo("15.0x (10.0..20.0)");
    assertThatThrownBy(() -> gpu.over(new Rates(List.of(1.0)))).isInstanceOf(IllegalArgumentException.class);
  }
}
