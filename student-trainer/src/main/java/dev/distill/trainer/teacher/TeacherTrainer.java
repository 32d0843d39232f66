package dev.distill.trainer.teacher;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.model.TeacherManifest;
import dev.distill.contract.model.TeacherStore;
import dev.distill.contract.model.TeacherVersion;
import dev.distill.trainer.engine.TrainingEngine;
import dev.distill.trainer.export.OnnxExport;
import dev.distill.trainer.export.Provenance;
import dev.distill.trainer.model.Network;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a teacher (one network, or an ensemble of them with different seeds) on a data set's
 * training split, counts its errors on the test split, and publishes it to a {@link
 * TeacherStore} as ONNX files with their provenance, where the scorer picks it up.
 *
 * <p>Each member learns with Adam on softmax cross-entropy, its learning rate decayed to 0
 * along a cosine over all its steps. The test split is only looked at after training: nothing
 * is tuned on it.
 */
public final class TeacherTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(TeacherTrainer.class);
  /** Test images per inference batch: big enough to amortise a call, small enough to stay cheap in memory. */
  private static final int EVAL_BATCH = 500;

  private final TrainingEngine engine;
  private final TeacherStore store;
  private final Clock clock;

  public TeacherTrainer(TrainingEngine engine, TeacherStore store, Clock clock) {
    this.engine = engine;
    this.store = store;
    this.clock = clock;
  }

  /**
   * Trains, evaluates and publishes a teacher.
   *
   * @param train the data set's training split
   * @param test  its test split, for the published error counts
   */
  public TeacherResult train(TeacherOptions options, LabelledImages train, LabelledImages test,
      TrainingProgress.Listener listener) throws IOException {
    String dataset = options.dataset().cliName();
    if (!train.dataset().equals(dataset) || !test.dataset().equals(dataset)) {
      throw new IllegalArgumentException("a teacher for " + dataset + " cannot learn from " + train + " and " + test);
    }
    int trainCount = options.trainLimit() == 0 ? train.count() : Math.min(options.trainLimit(), train.count());
    Run run = new Run(options, trainCount, listener);
    int classes = options.architecture().classes();
    List<Network> members = new ArrayList<>();
    try {
      List<Integer> memberErrors = new ArrayList<>();
      float[] ensemble = new float[test.count() * classes];
      for (int m = 0; m < options.members(); m++) {
        Network network = Network.create(engine, options.architecture(), Network.PIXEL_SCALE, options.dropout());
        members.add(network);
        fit(network, m, train, run);
        float[] probabilities = probabilities(network, test);
        memberErrors.add(errors(probabilities, test, classes));
        for (int j = 0; j < ensemble.length; j++) {
          ensemble[j] += probabilities[j]; // the argmax of the sum is the argmax of the mean
        }
        LOG.info("teacher {} member {}/{}: {} test errors of {}", options.teacherId(), m + 1, options.members(),
            memberErrors.get(m), test.count());
      }
      int testErrors = options.members() == 1 ? memberErrors.get(0) : errors(ensemble, test, classes);
      Duration elapsed = run.elapsed();
      TeacherVersion published = publish(options, members, trainCount, memberErrors, testErrors, test.count(), elapsed);
      LOG.info("teacher {} v{}: {} test errors of {} in {} s on {}", published.teacherId(), published.version(),
          testErrors, test.count(), elapsed.toSeconds(), engine.description());
      return new TeacherResult(published, memberErrors, testErrors, test.count(), elapsed, engine.description());
    } finally {
      members.forEach(Network::close);
    }
  }

  private void fit(Network network, int member, LabelledImages train, Run run) {
    TeacherOptions o = run.options;
    int seed = o.seed() + member;
    engine.seed(seed); // before the trainer draws the initial weights
    int batch = o.batchSize();
    int stepsPerEpoch = (run.trainCount + batch - 1) / batch;
    Tracker rate = Tracker.cosine().setBaseValue(o.learningRate()).optFinalValue(0f)
        .setMaxUpdates(stepsPerEpoch * o.epochs()).build();
    DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
        .optOptimizer(Optimizer.adam().optLearningRateTracker(rate).build())
        .optDevices(new Device[] {engine.device()});
    ImageBatches batches = new ImageBatches(train, run.trainCount, o.jitter(), new Random(seed));
    int d = batches.pixelsPerImage();
    float[] features = new float[batch * d];
    long[] labels = new long[batch];
    try (Trainer trainer = network.model().newTrainer(config)) {
      trainer.initialize(network.inputShape(batch));
      for (int epoch = 1; epoch <= o.epochs(); epoch++) {
        int[] order = batches.shuffledOrder();
        double lossSum = 0;
        int seen = 0;
        for (int from = 0; from < run.trainCount; from += batch) {
          int n = Math.min(batch, run.trainCount - from);
          batches.fill(order, from, n, features, labels);
          // every array of a step lives in this sub-manager and is freed with it
          try (NDManager step = trainer.getManager().newSubManager()) {
            NDArray x = step.create(n == batch ? features : Arrays.copyOf(features, n * d), network.inputShape(n));
            NDArray y = step.create(n == batch ? labels : Arrays.copyOf(labels, n));
            try (GradientCollector gradients = trainer.newGradientCollector()) {
              NDArray logits = trainer.forward(new NDList(x)).singletonOrThrow();
              NDArray loss = trainer.getLoss().evaluate(new NDList(y), new NDList(logits));
              gradients.backward(loss);
              lossSum += loss.getFloat() * n;
            }
            trainer.step();
          }
          seen += n;
          run.report(member, epoch, n, lossSum / seen, seen == run.trainCount);
        }
      }
    }
  }

  /** Softmax probabilities of every test image, {@code count x C}, row-major. */
  private static float[] probabilities(Network network, LabelledImages test) {
    int classes = network.classes();
    float[] out = new float[test.count() * classes];
    for (int from = 0; from < test.count(); from += EVAL_BATCH) {
      int n = Math.min(EVAL_BATCH, test.count() - from);
      try (NDManager call = network.model().getNDManager().newSubManager()) {
        float[] logits = network.logits(call, ImageBatches.features(test, from, n), n);
        softmaxRows(logits, classes);
        System.arraycopy(logits, 0, out, from * classes, logits.length);
      }
    }
    return out;
  }

  static void softmaxRows(float[] values, int width) {
    for (int row = 0; row < values.length; row += width) {
      float max = Float.NEGATIVE_INFINITY;
      for (int c = 0; c < width; c++) {
        max = Math.max(max, values[row + c]);
      }
      double sum = 0;
      for (int c = 0; c < width; c++) {
        sum += Math.exp(values[row + c] - max); // shifted by the max so that exp cannot overflow
      }
      for (int c = 0; c < width; c++) {
        values[row + c] = (float) (Math.exp(values[row + c] - max) / sum);
      }
    }
  }

  /** How many rows' largest score is not at the image's label. */
  static int errors(float[] scores, LabelledImages images, int classes) {
    int errors = 0;
    for (int i = 0; i < images.count(); i++) {
      int best = 0;
      for (int c = 1; c < classes; c++) {
        if (scores[i * classes + c] > scores[i * classes + best]) {
          best = c;
        }
      }
      if (best != images.label(i)) {
        errors++;
      }
    }
    return errors;
  }

  private TeacherVersion publish(TeacherOptions o, List<Network> members, int trainCount, List<Integer> memberErrors,
      int testErrors, int testCount, Duration elapsed) throws IOException {
    // the store numbers versions as it publishes; the files say the number it is expected to give
    int expected = store.latest(o.teacherId()).map(v -> v.version() + 1).orElse(1);
    Instant createdAt = clock.instant();
    String dataRange = o.dataset().cliName() + "/train[0," + trainCount + ")";
    List<byte[]> onnx = new ArrayList<>();
    for (int m = 0; m < members.size(); m++) {
      Provenance provenance = Provenance.teacher(o.teacherId(), expected, createdAt)
          .dataset(o.dataset().cliName())
          .dataRange(dataRange)
          .with("distill.member", m + "/" + members.size());
      onnx.add(OnnxExport.toOnnx(members.get(m), provenance));
    }
    Map<String, String> info = new LinkedHashMap<>();
    info.put("architecture", o.architecture().spec());
    info.put("dataset", o.dataset().cliName());
    info.put("data_range", dataRange);
    info.put("members", Integer.toString(o.members()));
    info.put("epochs", Integer.toString(o.epochs()));
    info.put("batch_size", Integer.toString(o.batchSize()));
    info.put("optimizer", "adam");
    info.put("learning_rate", Float.toString(o.learningRate()));
    info.put("learning_rate_schedule", "cosine");
    info.put("dropout", Float.toString(o.dropout()));
    info.put("jitter", o.jitter() ? "shift<=" + ImageBatches.MAX_SHIFT + "px" : "none");
    info.put("seed", Integer.toString(o.seed()));
    info.put("test_errors", Integer.toString(testErrors));
    info.put("test_count", Integer.toString(testCount));
    for (int m = 0; m < memberErrors.size(); m++) {
      info.put("member." + m + ".seed", Integer.toString(o.seed() + m));
      info.put("member." + m + ".test_errors", Integer.toString(memberErrors.get(m)));
    }
    info.put("train_seconds", String.format(Locale.ROOT, "%.1f", elapsed.toMillis() / 1000.0));
    info.put("engine", engine.engineName());
    info.put("device", engine.device().toString());
    info.put("threads", engine.intraOpThreads() + "/" + engine.interOpThreads());
    info.put("created_at", createdAt.toString());
    // the networks take raw pixels [N, D] and scale them in the graph: the manifest says so
    TeacherManifest manifest = TeacherManifest.legacy(o.architecture().inputSize(), o.architecture().classes(), info);
    TeacherVersion published = store.publish(o.teacherId(), onnx, manifest);
    if (published.version() != expected) {
      LOG.warn("teacher {} was published as v{} because another publisher took v{} meanwhile; its ONNX "
          + "metadata says v{}", o.teacherId(), published.version(), expected, expected);
    }
    return published;
  }

  /** The progress bookkeeping of one {@link #train} call. */
  private static final class Run {
    final TeacherOptions options;
    final int trainCount;
    final TrainingProgress.Listener listener;
    final long startNanos = System.nanoTime();
    long samples;

    Run(TeacherOptions options, int trainCount, TrainingProgress.Listener listener) {
      this.options = options;
      this.trainCount = trainCount;
      this.listener = listener;
    }

    void report(int member, int epoch, int n, double loss, boolean epochDone) {
      samples += n;
      long total = (long) trainCount * options.epochs() * options.members();
      listener.onProgress(new TrainingProgress(member, options.members(), epoch, options.epochs(), samples, total,
          loss, elapsed(), epochDone));
    }

    Duration elapsed() {
      return Duration.ofNanos(System.nanoTime() - startNanos);
    }
  }
}
