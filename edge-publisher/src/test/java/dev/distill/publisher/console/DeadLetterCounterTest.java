package dev.distill.publisher.console;

import dev.distill.contract.wire.DeadLetterHeaders;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class DeadLetterCounterTest {
  @Test
  void aDeadLetterIsReadAsItsReasonHeaderAndOneWithoutIsUnknown() {
    var reasons = DeadLetterCounter.reasonSerde().deserializer();
    RecordHeaders h = new RecordHeaders();
    h.add(DeadLetterHeaders.REASON, "wrong-shape".getBytes(StandardCharsets.UTF_8));
    assertThat(reasons.deserialize("t", h, new byte[] {1, 2})).isEqualTo("wrong-shape");
    assertThat(reasons.deserialize("t", new RecordHeaders(), (byte[]) null)).isEqualTo(DeadLetterCounter.UNKNOWN);
  }

  @Test
  void countsByReasonWithABoundOnHowManyReasons() {
    DeadLetterCounter c = new DeadLetterCounter();
    c.count("undecodable");
    c.count("undecodable");
    c.count("invalid");
    for (int i = 0; i < 100; i++) {
      c.count("invented-" + i);
    }
    Pipeline.DeadLetters counts = c.counts();
    assertThat(counts.total()).isEqualTo(103);
    assertThat(counts.byReason()).containsEntry("undecodable", 2L).containsEntry("invalid", 1L)
        .hasSize(DeadLetterCounter.MAX_REASONS + 1);
    assertThat(counts.byReason().get(DeadLetterCounter.OTHER)).isEqualTo(100 - (DeadLetterCounter.MAX_REASONS - 2));
  }
}
