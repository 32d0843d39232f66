package dev.distill.scorer;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.scorer.teacher.TeacherUnavailableException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScorerServiceTest {
  @TempDir Path dir;

  @Test
  void withoutATeacherTheScorerRefusesToStartInOneSentenceBeforeTouchingKafka() {
    // nothing listens on the bootstrap address: the teacher is checked first
    ScorerSettings s = ScorerSettings.from(Map.of(
        ScorerSettings.TEACHER_STORE, dir.toString(),
        "DISTILL_BOOTSTRAP_SERVERS", "localhost:1"));

    assertThatThrownBy(() -> ScorerService.start(s))
        .isInstanceOf(TeacherUnavailableException.class)
        .hasMessage("no usable teacher 'mnist' in " + dir + ": import one with `distill teacher import FILE.onnx "
            + "--id mnist` or train one with `distill teacher train`");
  }
}
