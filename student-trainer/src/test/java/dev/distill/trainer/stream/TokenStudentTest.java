package dev.distill.trainer.stream;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import dev.distill.contract.model.Architecture;
import dev.distill.contract.model.Preprocess;
import dev.distill.contract.model.TeacherManifest;
import dev.distill.contract.model.TensorSpec;
import dev.distill.trainer.TokenTask;
import dev.distill.trainer.engine.TrainingEngine;
import dev.distill.trainer.model.Feed;
import dev.distill.trainer.model.StudentInputs;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A token student ({@code tok:64-e16-f32-4}) takes the token-bag teacher's inputs, {@code
 * input_ids} and {@code attention_mask}, and learns the synthetic keyword rule through the very
 * step the trainer service calls.
 */
class TokenStudentTest {
  static final String SPEC = "tok:64-e16-f32-4";
  private final TrainingEngine engine = TrainingEngine.start();

  /** The token-bag fixture's interface (tools/fixtures/README.md). */
  static TeacherManifest tokenBagTeacher(boolean withMask) {
    TeacherManifest.Input ids = new TeacherManifest.Input(TensorSpec.parse("input_ids=int64[N,seq]"), "",
        Preprocess.IDENTITY);
    TeacherManifest.Input mask = new TeacherManifest.Input(TensorSpec.parse("attention_mask=int64[N,seq]"), "",
        Preprocess.IDENTITY);
    return new TeacherManifest(withMask ? List.of(ids, mask) : List.of(ids),
        new TeacherManifest.Output("logits", TeacherManifest.OutputKind.LOGITS, TokenTask.CLASSES),
        List.of("a", "b", "c", "d"), Map.of());
  }

  static Batch batch(TokenTask.Samples s, boolean withMask) {
    int n = s.rows();
    float[] q = new float[n * TokenTask.CLASSES];
    float[] t = new float[n];
    for (int i = 0; i < n; i++) {
      q[i * TokenTask.CLASSES + s.labels()[i]] = 1;
      t[i] = 1;
    }
    List<Feed> in = withMask ? List.of(new Feed.Longs(s.ids()), new Feed.Longs(s.mask())) : List.of(new Feed.Longs(s.ids()));
    return new Batch(n, n, in, q, t, s.labels());
  }

  /** Trains a token student on {@code steps} batches of 32 fresh samples. */
  static StudentLearner trained(TrainingEngine engine, boolean withMask, int steps, Random rnd) {
    StudentLearner student = new StudentLearner(engine, Architecture.parse(SPEC),
        StudentInputs.of(tokenBagTeacher(withMask)), ResumableOptimizer.Kind.ADAM, LearningRate.constant(1e-2f), 0f,
        0.5f, 1);
    for (int i = 0; i < steps; i++) {
      assertThat(student.step(batch(TokenTask.draw(rnd, 32), withMask)).skipped()).isFalse();
    }
    return student;
  }

  @Test
  void aTokenStudentLearnsTheKeywordRuleInAFewHundredSteps() {
    Random rnd = new Random(11);
    try (StudentLearner student = trained(engine, true, 300, rnd)) {
      TokenTask.Samples test = TokenTask.draw(rnd, 1_000);
      float[] logits;
      try (NDManager call = student.network().model().getNDManager().newSubManager()) {
        logits = student.network().logits(call, batch(test, true).inputs(), test.rows());
      }
      int[] pred = StudentLearner.argmaxRows(logits, test.rows(), TokenTask.CLASSES);
      int correct = 0;
      for (int i = 0; i < test.rows(); i++) {
        correct += pred[i] == test.labels()[i] ? 1 : 0;
      }
      double accuracy = correct / (double) test.rows();
      System.out.printf("TokenStudentTest: accuracy %.4f on 1,000 fresh samples after 300 steps of 32%n", accuracy);
      assertThat(accuracy).isGreaterThan(0.9);
    }
  }

  @Test
  void aTeacherWithoutAMaskGivesAStudentThatTakesIdZeroAsPadding() {
    StudentInputs inputs = StudentInputs.of(tokenBagTeacher(false));
    assertThat(inputs.tokenMask()).isEqualTo(-1);
    assertThat(StudentInputs.of(tokenBagTeacher(true)).tokenMask()).isEqualTo(1);
    try (StudentLearner student = trained(engine, false, 5, new Random(2))) {
      assertThat(student.network().inputs()).isEqualTo(inputs);
    }
  }
}
