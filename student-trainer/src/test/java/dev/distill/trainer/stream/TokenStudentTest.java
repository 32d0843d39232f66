package dev.distill.trainer.stream;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import dev.distill.contract.model.Architecture;
import dev.distill.trainer.TokenTask;
import dev.distill.trainer.engine.TrainingEngine;
import dev.distill.trainer.model.StudentInputs;
import java.util.List;
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

  /** Trains a token student on {@code steps} batches of 32 fresh samples. */
  static StudentLearner trained(TrainingEngine engine, boolean withMask, int steps, Random rnd) {
    StudentLearner student = new StudentLearner(engine, Architecture.parse(SPEC),
        StudentInputs.of(TokenTask.manifest(withMask)), ResumableOptimizer.Kind.ADAM, LearningRate.constant(1e-2f), 0f,
        0.5f, 1);
    for (int i = 0; i < steps; i++) {
      assertThat(student.step(TokenTask.batch(TokenTask.draw(rnd, 32), withMask)).skipped()).isFalse();
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
        logits = student.network().logits(call, TokenTask.feeds(test, true), test.rows());
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
    StudentInputs inputs = StudentInputs.of(TokenTask.manifest(false));
    assertThat(inputs.tokenMask()).isEqualTo(-1);
    assertThat(StudentInputs.of(TokenTask.manifest(true)).tokenMask()).isEqualTo(1);
    try (StudentLearner student = trained(engine, false, 5, new Random(2))) {
      assertThat(student.network().inputs()).isEqualTo(inputs);
    }
  }
}
