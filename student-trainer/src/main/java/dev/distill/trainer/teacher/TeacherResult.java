package dev.distill.trainer.teacher;

import dev.distill.contract.model.TeacherVersion;
import java.time.Duration;
import java.util.List;

/**
 * A trained and published teacher and how good it is on the test split.
 *
 * @param published    where the store put it
 * @param memberErrors test errors of each member alone
 * @param testErrors   test errors of the teacher as the scorer uses it: the ensemble's mean
 *                     softmax (a single member's own errors when there is one)
 * @param testCount    size of the test split the errors are counted on
 * @param elapsed      wall time of training and evaluating all members
 * @param engine       the engine and device it trained on
 */
public record TeacherResult(TeacherVersion published, List<Integer> memberErrors, int testErrors, int testCount,
    Duration elapsed, String engine) {
  public TeacherResult {
    memberErrors = List.copyOf(memberErrors);
  }
}
