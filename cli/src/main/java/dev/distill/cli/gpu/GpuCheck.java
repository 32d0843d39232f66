package dev.distill.cli.gpu;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.distill.contract.model.Architecture;
import dev.distill.contract.model.ModelInterface;
import dev.distill.contract.model.TeacherManifest;
import dev.distill.contract.model.TeacherStore;
import dev.distill.contract.model.TeacherVersion;
import dev.distill.scorer.onnx.ExecutionProvider;
import dev.distill.scorer.onnx.OnnxTeacherLoader;
import dev.distill.scorer.teacher.Softening;
import dev.distill.scorer.teacher.Teacher;
import dev.distill.scorer.teacher.TeacherBatch;
import dev.distill.scorer.teacher.TeacherLoadException;
import dev.distill.scorer.topology.ScoringOptions;
import dev.distill.trainer.engine.NoGpuException;
import dev.distill.trainer.engine.TrainingEngine;
import dev.distill.trainer.export.OnnxExport;
import dev.distill.trainer.export.Provenance;
import dev.distill.trainer.service.TrainerSettings;
import dev.distill.trainer.stream.Batch;
import dev.distill.trainer.stream.LearningRate;
import dev.distill.trainer.stream.ResumableOptimizer;
import dev.distill.trainer.stream.StepResult;
import dev.distill.trainer.stream.StudentLearner;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The GPU acceptance check: the trainer's and the scorer's own code on the GPU, then the same on
 * the CPU, and how much faster the GPU is.
 *
 * <ol>
 *   <li>PyTorch must see a GPU and ONNX Runtime must run a model on CUDA; otherwise the check
 *       stops at once, saying why in one sentence (the CPU build, no device, missing libraries).
 *   <li>Training: the default student ({@value #STUDENT}) learns with the trainer's {@link
 *       StudentLearner} (distillation loss, Adam) on gpu(0) for N steps a round; its parameters
 *       and gradients must live on the GPU and its loss must fall.
 *   <li>Scoring: the paper's teacher shape ({@value #TEACHER}) exported by the trainer's {@link
 *       OnnxExport} is loaded by the scorer's {@link OnnxTeacherLoader} with every node on CUDA
 *       (ONNX Runtime's CPU fallback disabled), batches are scored and softened as the scorer does,
 *       and the GPU must pick the CPU's top class.
 *   <li>Rates: one warm-up round, then rounds that alternate GPU and CPU, so both see the same
 *       machine; samples per second as median and range, and the GPU/CPU ratio round by round.
 * </ol>
 */
public final class GpuCheck {
  static final String STUDENT = TrainerSettings.DEFAULT_ARCHITECTURE;
  static final String TEACHER = "mlp:784-1200-1200-10";
  /** Distinct batches cycled through, so a step never reuses the previous step's arrays. */
  private static final int DISTINCT_BATCHES = 16;
  /** The synthetic data's soft targets: T = 1 keeps them informative, so learning shows in the loss. */
  private static final float DATA_TEMPERATURE = 1f;
  /** The scorer softens at its default T. */
  private static final double SCORING_TEMPERATURE = ScoringOptions.defaults().temperature();
  /** Share of rows on which the GPU's top class must be the CPU's: TF32 may flip a near tie. */
  private static final double MIN_AGREEMENT = 0.99;

  /**
   * What to run.
   *
   * @param steps      training steps and scored batches per round
   * @param rounds     measured rounds (after one warm-up round)
   * @param batch      training batch size
   * @param scoreBatch rows per scored batch
   * @param cpuThreads threads the CPU side may use (PyTorch's are fixed when its engine starts)
   */
  public record Options(int steps, int rounds, int batch, int scoreBatch, int cpuThreads) {
    public Options {
      if (steps < 1 || rounds < 1 || batch < 1 || scoreBatch < 1 || cpuThreads < 1) {
        throw new IllegalArgumentException("steps, rounds, batch sizes and threads must be >= 1");
      }
    }

    /** 200 steps, 5 rounds, the trainer's batch of 128, the scorer's batches of 256, every core. */
    public static Options defaults() {
      return new Options(200, 5, 128, ScoringOptions.defaults().maxBatch(), Runtime.getRuntime().availableProcessors());
    }
  }

  /** What the check measured: training and scoring rates on each device. */
  public record Result(Rates trainGpu, Rates trainCpu, Rates scoreGpu, Rates scoreCpu) {}

  private final Options options;
  private final PrintStream out;

  public GpuCheck(Options options, PrintStream out) {
    this.options = options;
    this.out = out;
  }

  /**
   * Runs the check, printing what it finds.
   *
   * @param work an empty folder for the exported teacher
   * @throws GpuCheckException saying in one sentence what is missing or which check failed
   */
  public Result run(Path work) {
    TrainingEngine engine = TrainingEngine.start();
    List<String> missing = new ArrayList<>();
    TrainingEngine gpuEngine = null;
    try {
      gpuEngine = engine.on(Device.gpu());
    } catch (NoGpuException e) {
      missing.add(e.getMessage());
    }
    OnnxTeacherLoader gpuLoader = null;
    try {
      // every node on CUDA or no session: a loaded teacher is proof that the GPU does the work
      gpuLoader = OnnxTeacherLoader.cudaOnly(1);
    } catch (IllegalStateException e) {
      missing.add("ONNX Runtime: " + e.getMessage());
    }
    if (gpuEngine == null || gpuLoader == null) {
      throw new GpuCheckException("no usable GPU: " + String.join("; ", missing));
    }
    out.printf(Locale.ROOT, "gpu-check: PyTorch training on %s (%d GPU(s), %s natives), ONNX Runtime scoring on %s; "
            + "compared with the CPU (%d thread(s) for ONNX Runtime, %d for PyTorch)%n", gpuEngine.device(),
        engine.gpuCount(), TrainingEngine.nativeFlavor(), gpuLoader.activeDevice(), options.cpuThreads(),
        engine.intraOpThreads());
    return compare(new Side("GPU", gpuEngine, gpuLoader), new Side("CPU", engine.on(Device.cpu()),
        new OnnxTeacherLoader(options.cpuThreads(), false, ExecutionProvider.CPU)), work);
  }

  /** One side of the comparison: where the trainer's models live and where the scorer's sessions run. */
  record Side(String name, TrainingEngine engine, OnnxTeacherLoader loader) {}

  // VisibleForTesting: the comparison itself, on any two sides (a machine without a GPU runs it CPU against CPU)
  Result compare(Side fast, Side cpu, Path work) {
    Random rnd = new Random(42);
    List<Batch> trainBatches = trainBatches(rnd);
    List<TeacherBatch> scoreBatches = scoreBatches(rnd);
    TeacherVersion teacher = exportTeacher(cpu.engine(), work);
    try (StudentLearner fastStudent = student(fast.engine()); StudentLearner cpuStudent = student(cpu.engine());
         Teacher fastTeacher = load(fast.loader(), teacher); Teacher cpuTeacher = load(cpu.loader(), teacher)) {
      // the loss of the same batch before any step and after all of them: the difference is learning
      double firstLoss = trainStep(fastStudent, trainBatches.get(0)).loss();
      List<List<Double>> rates = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
      for (int round = 0; round <= options.rounds(); round++) {
        double fastTrain = train(fastStudent, trainBatches);
        double cpuTrain = train(cpuStudent, trainBatches);
        double fastScore = score(fastTeacher, scoreBatches);
        double cpuScore = score(cpuTeacher, scoreBatches);
        // round 0 warms up: CUDA contexts, cuBLAS handles, first-touch allocations, the JIT
        if (round > 0) {
          rates.get(0).add(fastTrain);
          rates.get(1).add(cpuTrain);
          rates.get(2).add(fastScore);
          rates.get(3).add(cpuScore);
        }
      }
      double lastLoss = trainStep(fastStudent, trainBatches.get(0)).loss();
      requireOn(fastStudent);
      requireOn(cpuStudent);
      if (!(lastLoss < firstLoss)) {
        throw new GpuCheckException(String.format(Locale.ROOT, "the student did not learn on %s: the loss of one "
            + "batch went from %.4f to %.4f", fast.engine().device(), firstLoss, lastLoss));
      }
      out.printf(Locale.ROOT, "train  %s, batch %d, %d steps a round: parameters and gradients on %s; "
          + "the loss of one batch %.4f -> %.4f%n", STUDENT, options.batch(), options.steps(), fast.engine().device(),
          firstLoss, lastLoss);
      out.printf(Locale.ROOT, "score  %s, batch %d, %d batches a round: every node on %s%s; %s%n", TEACHER,
          options.scoreBatch(), options.steps(), fast.loader().activeDevice(),
          fast.loader().active() == ExecutionProvider.CUDA ? " (CPU fallback disabled)" : "",
          agreement(fast, fastTeacher, cpuTeacher, scoreBatches.get(0)));

      Result r = new Result(new Rates(rates.get(0)), new Rates(rates.get(1)), new Rates(rates.get(2)),
          new Rates(rates.get(3)));
      out.printf(Locale.ROOT, "samples/s over %d round(s) after a warm-up, %s and %s alternating: median (min..max)%n",
          options.rounds(), fast.name(), cpu.name());
      out.printf(Locale.ROOT, "  train  %s %s  %s %s  %s/%s %s%n", fast.name(), r.trainGpu().samplesPerSecond(),
          cpu.name(), r.trainCpu().samplesPerSecond(), fast.name(), cpu.name(), r.trainGpu().over(r.trainCpu()).ratio());
      out.printf(Locale.ROOT, "  score  %s %s  %s %s  %s/%s %s%n", fast.name(), r.scoreGpu().samplesPerSecond(),
          cpu.name(), r.scoreCpu().samplesPerSecond(), fast.name(), cpu.name(), r.scoreGpu().over(r.scoreCpu()).ratio());
      out.println("gpu-check: OK");
      return r;
    }
  }

  private StudentLearner student(TrainingEngine engine) {
    return new StudentLearner(engine, Architecture.parse(STUDENT), ResumableOptimizer.Kind.ADAM,
        LearningRate.constant(1e-3f), 0f, 0.9f, 1);
  }

  /** Pixels 0..255 labelled by a fixed random linear teacher: learnable, so a falling loss means learning. */
  private List<Batch> trainBatches(Random rnd) {
    int d = 784;
    int c = 10;
    float[] w = new float[d * c];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) rnd.nextGaussian();
    }
    List<Batch> batches = new ArrayList<>();
    for (int b = 0; b < DISTINCT_BATCHES; b++) {
      int n = options.batch();
      float[] x = pixels(rnd, n * d);
      float[] probs = new float[n * c];
      int[] labels = new int[n];
      float[] temperatures = new float[n];
      for (int i = 0; i < n; i++) {
        float[] z = new float[c];
        for (int k = 0; k < c; k++) {
          double s = 0;
          for (int j = 0; j < d; j++) {
            s += x[i * d + j] / 255.0 * w[j * c + k];
          }
          // logits of a few units: soft targets with a clear top class
          z[k] = (float) (3 * s / Math.sqrt(d));
        }
        double[] q = Softening.soften(z, DATA_TEMPERATURE);
        for (int k = 0; k < c; k++) {
          probs[i * c + k] = (float) q[k];
          labels[i] = z[k] > z[labels[i]] ? k : labels[i];
        }
        temperatures[i] = DATA_TEMPERATURE;
      }
      batches.add(new Batch(n, n, x, probs, temperatures, labels));
    }
    return batches;
  }

  private List<TeacherBatch> scoreBatches(Random rnd) {
    List<TeacherBatch> batches = new ArrayList<>();
    for (int b = 0; b < DISTINCT_BATCHES; b++) {
      int n = options.scoreBatch();
      batches.add(new TeacherBatch(n, List.of(new TeacherBatch.Input(ModelInterface.INPUT, new long[] {n, 784},
          pixels(rnd, n * 784), null))));
    }
    return batches;
  }

  private static float[] pixels(Random rnd, int count) {
    float[] x = new float[count];
    for (int i = 0; i < count; i++) {
      x[i] = rnd.nextInt(256);
    }
    return x;
  }

  /** A teacher of the paper's shape with random weights, exported and published as the trainer and the store do. */
  private static TeacherVersion exportTeacher(TrainingEngine cpu, Path work) {
    try (StudentLearner t = new StudentLearner(cpu, Architecture.parse(TEACHER), ResumableOptimizer.Kind.ADAM,
        LearningRate.constant(1e-3f), 0f, 0.9f, 7)) {
      byte[] onnx = OnnxExport.toOnnx(t.network(), Provenance.teacher("gpu-check", 1, Instant.now()));
      return new TeacherStore(work).publish("gpu-check", List.of(onnx), TeacherManifest.legacy(784, 10, Map.of()));
    } catch (IOException e) {
      throw new GpuCheckException("cannot write the check's teacher under " + work + ": " + e.getMessage());
    }
  }

  private static Teacher load(OnnxTeacherLoader loader, TeacherVersion version) {
    try {
      return loader.load(version);
    } catch (TeacherLoadException e) {
      throw new GpuCheckException("the scorer cannot load the check's teacher on " + loader.activeDevice() + ": "
          + e.getMessage().replaceAll("\\s+", " "));
    }
  }

  /** Samples per second over {@code steps} steps. */
  private double train(StudentLearner learner, List<Batch> batches) {
    long start = System.nanoTime();
    for (int s = 0; s < options.steps(); s++) {
      trainStep(learner, batches.get(s % batches.size()));
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    return options.steps() * (double) options.batch() / seconds;
  }

  private static StepResult trainStep(StudentLearner learner, Batch batch) {
    // step() reads the loss back to the host, so the step has finished on the device when it returns
    StepResult r = learner.step(batch);
    if (r.skipped()) {
      throw new GpuCheckException("a training step on " + learner.engine().device() + " gave a non-finite loss");
    }
    return r;
  }

  /** Scores and softens every row as the scorer's processor does; samples per second. */
  private double score(Teacher teacher, List<TeacherBatch> batches) {
    double sink = 0;
    long start = System.nanoTime();
    for (int s = 0; s < options.steps(); s++) {
      TeacherBatch b = batches.get(s % batches.size());
      float[][] logits = teacher.logits(b);
      for (int row = 0; row < b.rows(); row++) {
        sink += Softening.ensembleRow(logits, row, teacher.numClasses(), SCORING_TEMPERATURE)[0];
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    if (!Double.isFinite(sink)) {
      throw new GpuCheckException("the teacher gave a non-finite soft target");
    }
    return options.steps() * (double) options.scoreBatch() / seconds;
  }

  /** Every parameter, and the gradient the last step left on it, on the learner's device (gpu(0) on the GPU side). */
  private static void requireOn(StudentLearner learner) {
    Device device = learner.engine().device();
    for (Pair<String, Parameter> p : learner.network().model().getBlock().getParameters()) {
      NDArray values = p.getValue().getArray();
      try (NDArray gradient = values.getGradient()) {
        for (NDArray a : List.of(values, gradient)) {
          if (!a.getDevice().equals(device)) {
            throw new GpuCheckException(String.format(Locale.ROOT, "the %s of parameter %s live on %s, not %s",
                a == values ? "values" : "gradients", p.getKey(), a.getDevice(), device));
          }
        }
      }
    }
  }

  private static String agreement(Side fast, Teacher gpu, Teacher cpu, TeacherBatch batch) {
    float[] g = gpu.logits(batch)[0];
    float[] c = cpu.logits(batch)[0];
    int classes = gpu.numClasses();
    int same = 0;
    double maxDiff = 0;
    for (int row = 0; row < batch.rows(); row++) {
      int gi = 0;
      int ci = 0;
      for (int k = 0; k < classes; k++) {
        int i = row * classes + k;
        maxDiff = Math.max(maxDiff, Math.abs(g[i] - c[i]));
        gi = g[i] > g[row * classes + gi] ? k : gi;
        ci = c[i] > c[row * classes + ci] ? k : ci;
      }
      same += gi == ci ? 1 : 0;
    }
    String said = String.format(Locale.ROOT, "the %s picks the CPU's top class for %d/%d rows (largest logit "
        + "difference %.2g)", fast.name(), same, batch.rows(), maxDiff);
    if (same < MIN_AGREEMENT * batch.rows()) {
      throw new GpuCheckException(fast.name() + " and CPU disagree: " + said);
    }
    return said;
  }
}
