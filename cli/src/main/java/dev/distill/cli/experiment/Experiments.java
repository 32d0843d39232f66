package dev.distill.cli.experiment;

import dev.distill.cli.report.OnnxEvaluation;
import dev.distill.cli.report.Report;
import dev.distill.contract.data.Dataset;
import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.model.TeacherVersion;
import dev.distill.contract.proto.ModelVersion;
import dev.distill.contract.proto.SoftTarget;
import dev.distill.trainer.validation.SampleHash;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The four experiments of the paper, each a set of arms run on one {@link Lab}. The students
 * are the paper's 784-800-800-10 MLP without regularization unless an option says otherwise;
 * every accuracy is counted by running the published ONNX file in ONNX Runtime on the test split.
 */
public final class Experiments {
  public static final List<String> NAMES = List.of("hinton-mnist", "label-budget", "omitted-class", "drift");
  /**
   * Share of the training split's sample ids every arm's trainer holds out for its validation
   * slice (never trained on); omitted-class fits its correction on the same ids.
   */
  static final double VALIDATION_FRACTION = 0.05;

  /**
   * Knobs shared by the experiments (the command's options).
   *
   * @param passes passes over the training split for hinton-mnist (omitted-class makes a third of them)
   * @param limit  score only the first {@code limit} training samples; 0 = all
   */
  public record Options(String architecture, int passes, long seed, long limit) {}

  /**
   * Runs experiment {@code name} on a fresh broker whose data go to {@code workDir} (which must
   * not exist or be empty) and returns its report.
   */
  public static Report run(String name, Options options, Path workDir, Dataset dataset, TeacherVersion teacher,
      Path teacherStore, LabelledImages train, LabelledImages test, PrintStream out) throws Exception {
    if (!NAMES.contains(name)) {
      throw new IllegalArgumentException("no experiment '" + name + "'; there are " + NAMES);
    }
    try (Lab lab = Lab.open(name, workDir, teacher, teacherStore, train, options.limit(), out)) {
      return new Experiments(lab, test, options).run(name).toReport();
    }
  }

  private final Lab lab;
  private final LabelledImages test;
  private final Options options;

  private Experiments(Lab lab, LabelledImages test, Options options) {
    this.lab = lab;
    this.test = test;
    this.options = options;
  }

  private Findings run(String name) throws Exception {
    return switch (name) {
      case "hinton-mnist" -> hinton();
      case "label-budget" -> labelBudget();
      case "omitted-class" -> omittedClass();
      case "drift" -> drift();
      default -> throw new IllegalArgumentException("no experiment " + name + "; there are " + NAMES);
    };
  }

  /** Settings of every arm: the student, Adam at 1e-3 with a cosine decay over the arm's whole stream. */
  private Map<String, String> common(Arm arm) {
    return Map.of(
        "DISTILL_TRAINER_ARCHITECTURE", options.architecture(),
        "DISTILL_TRAINER_BATCH", "32",
        "DISTILL_TRAINER_OPTIMIZER", "adam",
        "DISTILL_TRAINER_LEARNING_RATE", "0.001",
        "DISTILL_TRAINER_LR_SCHEDULE", "cosine",
        "DISTILL_TRAINER_LR_SCHEDULE_STEPS", Long.toString(Math.max(1, arm.stream().size() / 32)),
        "DISTILL_TRAINER_REPLAY_RATIO", "0",
        "DISTILL_TRAINER_VALIDATION_FRACTION", Double.toString(VALIDATION_FRACTION),
        "DISTILL_TRAINER_SEED", Long.toString(options.seed()));
  }

  private Lab.Outcome run(Arm arm) throws Exception {
    return lab.run(arm, common(arm));
  }

  private static Map<String, String> alpha(double a) {
    return Map.of("DISTILL_TRAINER_ALPHA", Double.toString(a));
  }

  /** Test errors of the teacher as the scorer uses it: the argmax of its members' mean softmax. */
  private int teacherErrors() throws Exception {
    TeacherVersion t = lab.teacher();
    double[] mean = new double[test.count() * 10];
    for (Path member : t.members()) {
      OnnxEvaluation e = OnnxEvaluation.of(Files.readAllBytes(member), test);
      for (int i = 0; i < test.count(); i++) {
        double[] p = e.softmax(i);
        for (int k = 0; k < p.length; k++) {
          mean[i * 10 + k] += p[k];
        }
      }
    }
    int errors = 0;
    for (int i = 0; i < test.count(); i++) {
      int best = 0;
      for (int k = 1; k < 10; k++) {
        if (mean[i * 10 + k] > mean[i * 10 + best]) {
          best = k;
        }
      }
      errors += best == test.label(i) ? 0 : 1;
    }
    return errors;
  }

  private static String pct(double v) {
    return String.format(Locale.ROOT, "%.2f%%", 100 * v);
  }

  private Findings start(String title, String xLabel) {
    return start(title, xLabel, "test accuracy");
  }

  private Findings start(String title, String xLabel, String yLabel) {
    Findings f = new Findings(title, xLabel, yLabel);
    f.figure("teacher", lab.teacher().teacherId() + " v" + lab.teacher().version());
    f.figure("teacher_architecture", lab.teacher().info().getOrDefault("architecture", "?"));
    f.figure("student_architecture", options.architecture());
    f.figure("training_samples_scored", lab.scored().size());
    f.figure("scoring_seconds", lab.scoringTime().toMillis() / 1000.0);
    return f;
  }

  /** Evaluates every version of an outcome; adds its curve (x = passes or samples, as {@code per} says). */
  private List<OnnxEvaluation> curve(Findings f, Lab.Outcome o, double per) throws Exception {
    return curve(f, o, per, true);
  }

  private List<OnnxEvaluation> curve(Findings f, Lab.Outcome o, double per, boolean drawn) throws Exception {
    List<OnnxEvaluation> out = new ArrayList<>();
    List<Double> x = new ArrayList<>();
    List<Double> y = new ArrayList<>();
    for (ModelVersion v : o.versions()) {
      OnnxEvaluation e = OnnxEvaluation.of(v.getOnnx().toByteArray(), test);
      out.add(e);
      x.add(v.getSamplesSeen() / per);
      y.add(1 - e.errors() / (double) e.count());
      f.models.put(o.arm().name() + "-v" + v.getVersion() + ".onnx", v.getOnnx().toByteArray());
    }
    if (drawn) {
      f.line(o.arm().title(), x, y);
    }
    f.figure(o.arm().name() + "_seconds", o.elapsed().toMillis() / 1000.0);
    f.figure(o.arm().name() + "_samples", o.arm().stream().size());
    return out;
  }

  private Findings hinton() throws Exception {
    int passes = options.passes();
    List<SoftTarget> base = lab.scored();
    List<SoftTarget> stream = Streams.passes(base, passes, options.seed());
    Arm hard = new Arm("hard", "hard labels only (alpha 0)", stream, base.size(), alpha(0));
    Arm distilled = new Arm("distilled", "distilled at T=20 (alpha 0.9)", stream, base.size(), alpha(0.9));
    Findings f = start("hinton-mnist: " + options.architecture() + " on hard labels vs distilled, " + passes
        + " passes", "passes over the training split");
    int teacher = teacherErrors();
    List<OnnxEvaluation> h = curve(f, run(hard), base.size());
    List<OnnxEvaluation> d = curve(f, run(distilled), base.size());
    f.series(Report.Series.level("teacher", 1 - teacher / (double) test.count(), 0, passes));
    f.columns("pass", "hard-label student errors", "distilled student errors");
    List<Integer> hardErrors = new ArrayList<>();
    List<Integer> distilledErrors = new ArrayList<>();
    for (int p = 0; p < Math.min(h.size(), d.size()); p++) {
      hardErrors.add(h.get(p).errors());
      distilledErrors.add(d.get(p).errors());
      f.row(p + 1, h.get(p).errors(), d.get(p).errors());
    }
    int hardFinal = hardErrors.get(hardErrors.size() - 1);
    int distilledFinal = distilledErrors.get(distilledErrors.size() - 1);
    double ratio = distilledFinal / (double) hardFinal;
    double gapClosed = hardFinal == teacher ? Double.NaN : (hardFinal - distilledFinal) / (double) (hardFinal - teacher);
    f.figure("teacher_test_errors", teacher);
    f.figure("hard_test_errors_per_pass", hardErrors);
    f.figure("distilled_test_errors_per_pass", distilledErrors);
    f.figure("distilled_over_hard", ratio);
    f.figure("gap_to_teacher_closed", gapClosed);
    f.note(String.format(Locale.ROOT, "teacher %d test errors; after %d passes: hard-label student %d, distilled %d "
            + "(%.2fx the hard-label errors, goal at most 0.8x; %.0f%% of the gap to the teacher closed, goal at "
            + "least 50%%). The paper: teacher 67, hard 146, distilled 74.", teacher, passes, hardFinal,
        distilledFinal, ratio, 100 * gapClosed));
    return f;
  }

  private Findings labelBudget() throws Exception {
    List<SoftTarget> base = lab.scored();
    List<SoftTarget> budgeted = Streams.labelBudget(base, 0.03, options.seed());
    List<SoftTarget> labelled = Streams.where(budgeted, SoftTarget::hasLabel);
    // the labelled 3% alone, repeated to about as many samples as the others see
    int repeats = Math.max(1, base.size() / labelled.size());
    Arm hard3 = new Arm("hard-3pct", "hard labels, the 3% only", Streams.passes(labelled, repeats, options.seed()),
        labelled.size(), alpha(0));
    Arm distilled = new Arm("distilled", "distilled, all samples (3% labelled)",
        Streams.passes(budgeted, 1, options.seed()), base.size() / 10, alpha(0.9));
    Arm hard100 = new Arm("hard-100pct", "hard labels, 100%", Streams.passes(base, 1, options.seed()),
        base.size() / 10, alpha(0));
    Findings f = start("label-budget: 3% of the stream carries hard labels", "samples trained");
    f.columns("student", "samples trained", "test accuracy", "test errors", "the paper (speech, frame accuracy)");
    String[] paper = {"44.5%", "57.0%", "58.9%"};
    int i = 0;
    for (Arm arm : List.of(hard3, distilled, hard100)) {
      List<OnnxEvaluation> e = curve(f, run(arm), 1);
      OnnxEvaluation last = e.get(e.size() - 1);
      double acc = 1 - last.errors() / (double) last.count();
      f.row(arm.title(), String.format(Locale.ROOT, "%,d", arm.stream().size()), pct(acc), last.errors(), paper[i++]);
      f.figure(arm.name() + "_test_accuracy", acc);
    }
    f.figure("labelled_samples", labelled.size());
    f.note("the hard-3% student sees its " + labelled.size() + " labelled samples " + repeats
        + " times; the others see the whole split once.");
    return f;
  }

  private Findings omittedClass() throws Exception {
    int omitted = 3;
    List<SoftTarget> base = lab.scored();
    List<SoftTarget> without = Streams.where(base, t -> !t.hasLabel() || t.getLabel() != omitted);
    int passes = Math.max(1, options.passes() / 3);
    Arm arm = new Arm("no-3s", "distilled without a single 3", Streams.passes(without, passes, options.seed()),
        without.size(), alpha(1.0));
    Findings f = start("omitted-class: no 3 in the transfer stream (soft targets only, alpha 1)",
        "passes over the transfer set");
    Lab.Outcome o = run(arm);
    List<OnnxEvaluation> e = curve(f, o, without.size());
    OnnxEvaluation last = e.get(e.size() - 1);
    // the correction, chosen without labels and without the test split: the shift of the 3's logit
    // at which the student calls as many images 3 as the teacher does, on the training images the
    // trainer held out (its validation slice, by the same id hash: never trained on, 3s included,
    // since the slice is carved from the whole training stream before the 3s are dropped)
    List<SoftTarget> carved = Streams.where(base, t -> SampleHash.heldOut(t.getSampleId(), VALIDATION_FRACTION));
    double teacherShare = teacherShare(carved, omitted);
    OnnxEvaluation onCarved = OnnxEvaluation.of(o.versions().get(o.versions().size() - 1).getOnnx().toByteArray(),
        Streams.images(carved));
    float chosen = 0;
    double bestGap = Double.POSITIVE_INFINITY;
    for (int s = 0; s <= 200; s++) {
      double gap = Math.abs(onCarved.predictedShare(omitted, omitted, s / 10f) - teacherShare);
      if (gap < bestGap) {
        bestGap = gap;
        chosen = s / 10f;
      }
    }
    f.columns("student", "test errors", "errors on 3s", "3s correct");
    int threes = (int) java.util.stream.IntStream.range(0, test.count()).filter(i -> test.label(i) == omitted).count();
    for (float shift : new float[] {0f, chosen, 3.5f}) {
      double onThrees = last.accuracyOn(omitted, omitted, omitted, shift);
      String what = shift == 0 ? "as trained" : shift == 3.5f ? "bias of 3 + 3.5 (the paper's shift)"
          : String.format(Locale.ROOT, "bias of 3 + %.1f (matched to the teacher's share of 3s on held-out training "
              + "images, no labels)", shift);
      f.row(what, last.errors(omitted, shift), Math.round((1 - onThrees) * threes), pct(onThrees));
      f.figure(String.format(Locale.ROOT, "shift_%.1f_test_errors", shift), last.errors(omitted, shift));
      f.figure(String.format(Locale.ROOT, "shift_%.1f_threes_correct", shift), onThrees);
    }
    f.figure("chosen_shift", chosen);
    f.figure("teacher_share_of_3", teacherShare);
    f.figure("shift_fitted_on_images", carved.size());
    f.note("the paper: 206 errors, 133 of them on the 1010 3s, before; 109 errors, 14 on 3s (98.6% of 3s correct) "
        + "after adding 3.5 to the 3's bias.");
    return f;
  }

  /** The share of these soft targets whose teacher's class (the scorer's argmax) is {@code k}; labels unused. */
  private static double teacherShare(List<SoftTarget> targets, int k) {
    long calls = targets.stream().filter(t -> {
      int best = 0;
      for (int j = 1; j < t.getProbsCount(); j++) {
        if (t.getProbs(j) > t.getProbs(best)) {
          best = j;
        }
      }
      return best == k;
    }).count();
    return calls / (double) targets.size();
  }

  private Findings drift() throws Exception {
    List<SoftTarget> base = lab.scored();
    List<SoftTarget> stream = new ArrayList<>(Streams.passes(Streams.where(base, Streams.labelBetween(0, 4)), 1,
        options.seed()));
    int switchAt = stream.size();
    stream.addAll(Streams.passes(Streams.where(base, Streams.labelBetween(5, 9)), 1, options.seed()));
    long every = stream.size() % 5_000 == 0 ? 5_000 : stream.size() / 12;
    while (stream.size() % every != 0) {
      stream.remove(stream.size() - 1);
    }
    Arm replay = new Arm("replay", "with replay (10,000 kept, 1 replayed per fresh sample)", stream, every,
        Map.of("DISTILL_TRAINER_ALPHA", "0.9", "DISTILL_TRAINER_REPLAY_CAPACITY", "10000",
            "DISTILL_TRAINER_REPLAY_RATIO", "1"));
    Arm plain = new Arm("no-replay", "without replay", stream, every, alpha(0.9));
    Findings f = start("drift: digits 0-4 first, then 5-9 (from sample " + switchAt + ")", "samples trained",
        "test accuracy on those digits");
    f.columns("samples", "no replay: 0-4", "no replay: 5-9", "replay: 0-4", "replay: 5-9");
    Lab.Outcome withReplay = run(replay);
    Lab.Outcome without = run(plain);
    List<OnnxEvaluation> r = curve(f, withReplay, 1, false);
    List<OnnxEvaluation> n = curve(f, without, 1, false);
    // the chart: each half of the test set on its own, where forgetting shows
    for (var arm : List.of(java.util.Map.entry("replay", r), java.util.Map.entry("no replay", n))) {
      for (int[] digits : new int[][] {{0, 4}, {5, 9}}) {
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (int v = 0; v < arm.getValue().size(); v++) {
          x.add((double) (v + 1) * every);
          y.add(arm.getValue().get(v).accuracyOn(digits[0], digits[1], 0, 0));
        }
        f.line(arm.getKey() + ": digits " + digits[0] + "-" + digits[1], x, y);
      }
    }
    List<Double> oldReplay = new ArrayList<>();
    List<Double> oldPlain = new ArrayList<>();
    for (int v = 0; v < Math.min(r.size(), n.size()); v++) {
      f.row(String.format(Locale.ROOT, "%,d", (v + 1) * every), pct(n.get(v).accuracyOn(0, 4, 0, 0)),
          pct(n.get(v).accuracyOn(5, 9, 0, 0)), pct(r.get(v).accuracyOn(0, 4, 0, 0)), pct(r.get(v).accuracyOn(5, 9, 0, 0)));
      oldReplay.add(r.get(v).accuracyOn(0, 4, 0, 0));
      oldPlain.add(n.get(v).accuracyOn(0, 4, 0, 0));
    }
    f.figure("switch_at_sample", switchAt);
    f.figure("replay_accuracy_on_0_4_per_version", oldReplay);
    f.figure("no_replay_accuracy_on_0_4_per_version", oldPlain);
    return f;
  }
}
