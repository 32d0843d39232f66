package dev.distill.trainer.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.model.Architecture;
import dev.distill.trainer.Mnist;
import dev.distill.trainer.engine.TrainingEngine;
import org.junit.jupiter.api.Test;

/**
 * Runs only where PyTorch sees a GPU (a build with {@code -Pcuda} on a CUDA machine); skipped
 * elsewhere. The student's step runs on the GPU, learns there, and its resume state (copied back
 * to the host) restores into a second learner that then computes the same accuracy.
 */
class GpuStudentLearnerTest {
  @Test
  void onAGpuTheStudentTrainsThereAndResumesFromItsState() {
    TrainingEngine engine = TrainingEngine.start();
    assumeTrue(engine.gpuCount() > 0, "no GPU on this machine");
    assertThat(engine.device().toString()).isEqualTo("gpu(0)");
    LabelledImages train = Mnist.train();
    LabelledImages test = Mnist.test();
    try (StudentLearner student = new StudentLearner(engine, Architecture.parse("mlp:784-800-800-10"),
        ResumableOptimizer.Kind.ADAM, LearningRate.constant(1e-3f), 0f, 0.9f, 1);
        StudentLearner twin = new StudentLearner(engine, Architecture.parse("mlp:784-800-800-10"),
            ResumableOptimizer.Kind.ADAM, LearningRate.constant(1e-3f), 0f, 0.9f, 2)) {
      for (int from = 0; from < 10_000; from += 32) {
        assertThat(student.step(StudentLearnerTest.batch(train, from, Math.min(32, 10_000 - from))).skipped()).isFalse();
      }
      double accuracy = student.accuracy(test);
      assertThat(accuracy).isGreaterThan(0.85);
      twin.restore(student.resumeState());
      assertThat(twin.accuracy(test)).isEqualTo(accuracy);
    }
  }
}
