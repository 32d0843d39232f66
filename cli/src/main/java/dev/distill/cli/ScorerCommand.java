package dev.distill.cli;

import dev.distill.scorer.ScorerMain;
import dev.distill.scorer.ScorerSettings;
import dev.distill.scorer.teacher.TeacherUnavailableException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "scorer", mixinStandardHelpOptions = true,
    description = {
      "Run the teacher-scorer service until SIGTERM or Ctrl-C: samples in, soft targets (or dead letters) out, exactly once.",
      "Configured by DISTILL_* variables (DISTILL_TEACHER_ID, DISTILL_TEMPERATURE, DISTILL_MAX_BATCH, ...; see the README); logs JSON to stdout."})
final class ScorerCommand implements Callable<Integer> {

  @Override
  public Integer call() throws InterruptedException {
    ScorerSettings settings = ScorerSettings.fromEnvironment();
    try {
      return ScorerMain.run(settings);
    } catch (TeacherUnavailableException e) {
      throw new UserError(e.getMessage());
    }
  }
}
