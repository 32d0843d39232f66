package dev.distill.publisher.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.contract.proto.CandidateDecision;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CandidateLogTest {
  private static CandidateDecision decision(String model, long at) {
    return CandidateDecision.newBuilder().setModelName(model).setDecidedAtMs(at)
        .setVerdict(CandidateDecision.Verdict.REJECT).build();
  }

  @Test
  void keepsTheLastDecisionsOfEachModelNewestLast() {
    CandidateLog log = new CandidateLog();
    for (int i = 1; i <= CandidateLog.PER_MODEL + 20; i++) {
      log.add(decision("a", i));
    }
    log.add(decision("b", 7));
    List<CandidateDecision> a = log.decisions("a");
    assertThat(a).hasSize(CandidateLog.PER_MODEL);
    assertThat(a.get(0).getDecidedAtMs()).isEqualTo(21);
    assertThat(a.get(a.size() - 1).getDecidedAtMs()).isEqualTo(CandidateLog.PER_MODEL + 20);
    assertThat(log.decisions("b")).extracting(CandidateDecision::getDecidedAtMs).containsExactly(7L);
    assertThat(log.decisions("c")).isEmpty();
  }

  @Test
  void tellsItsListenersWhichModelHadADecision() {
    CandidateLog log = new CandidateLog();
    List<String> heard = new ArrayList<>();
    log.onDecision(heard::add);
    log.add(decision("a", 1));
    log.add(decision("b", 2));
    assertThat(heard).containsExactly("a", "b");
  }
}
