package dev.distill.trainer.teacher;

import dev.distill.contract.data.Dataset;
import dev.distill.contract.model.Architecture;
import dev.distill.contract.model.TeacherStore;

/**
 * What teacher to train and how. {@link #builder(Dataset)} starts from the defaults, which make
 * the default MNIST teacher: a small CNN, trained with Adam and a cosine learning-rate decay on
 * randomly shifted images.
 *
 * @param teacherId    the teacher store id to publish under (default: the data set's name)
 * @param dropout      rate after each hidden dense layer
 * @param members      ensemble size; member i is trained with seed {@code seed + i}
 * @param learningRate Adam's initial rate, decayed to 0 along a cosine over all epochs
 * @param jitter       shift each training image by up to {@value ImageBatches#MAX_SHIFT} pixels
 *                     in each direction, anew every epoch
 * @param trainLimit   train on the first this many training images; 0 for all
 */
public record TeacherOptions(Dataset dataset, String teacherId, Architecture architecture, float dropout,
    int members, int epochs, int batchSize, float learningRate, int seed, boolean jitter, int trainLimit) {

  /**
   * Measured with these defaults (12 epochs, jitter, Adam 1e-3 cosine, batch 128, dropout 0.3):
   * 57 MNIST test errors in 1,155 s on 2 cores shared with four other builds (load 5-13). The
   * wider cnn:28x28-c32-c64-f256-10 of the PyTorch calibration took 42 min for 5 epochs under the
   * same load, far past the 15-minute budget, so it stays an --arch choice.
   */
  public static final Architecture DEFAULT_ARCHITECTURE = Architecture.parse("cnn:28x28-c16-c32-f128-10");
  public static final float DEFAULT_CNN_DROPOUT = 0.3f;
  /** The rate of the paper's dropout MLP teacher (784-1200-1200-10). */
  public static final float DEFAULT_MLP_DROPOUT = 0.5f;
  public static final int DEFAULT_EPOCHS = 12;
  public static final int DEFAULT_BATCH_SIZE = 128;
  public static final float DEFAULT_LEARNING_RATE = 1e-3f;
  public static final int DEFAULT_SEED = 1;
  public static final boolean DEFAULT_JITTER = true;

  public TeacherOptions {
    if (!TeacherStore.ID.matcher(teacherId).matches()) {
      throw new IllegalArgumentException("teacher id '" + teacherId + "' must match " + TeacherStore.ID.pattern());
    }
    if (architecture.inputSize() != dataset.rows() * dataset.cols()) {
      throw new IllegalArgumentException("architecture " + architecture + " takes " + architecture.inputSize()
          + " inputs, but " + dataset.cliName() + " images have " + dataset.rows() * dataset.cols() + " pixels");
    }
    if (architecture instanceof Architecture.Cnn cnn && (cnn.height() != dataset.rows() || cnn.width() != dataset.cols())) {
      throw new IllegalArgumentException("architecture " + architecture + " takes " + cnn.height() + "x" + cnn.width()
          + " images, but " + dataset.cliName() + " images are " + dataset.rows() + "x" + dataset.cols());
    }
    if (architecture.classes() != dataset.classCount()) {
      throw new IllegalArgumentException("architecture " + architecture + " has " + architecture.classes()
          + " classes, but " + dataset.cliName() + " has " + dataset.classCount());
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("dropout must be at least 0 and below 1, got " + dropout);
    }
    atLeastOne("the ensemble size", members);
    atLeastOne("the number of epochs", epochs);
    atLeastOne("the batch size", batchSize);
    if (!(learningRate > 0 && Float.isFinite(learningRate))) {
      throw new IllegalArgumentException("the learning rate must be positive, got " + learningRate);
    }
    if (trainLimit < 0) {
      throw new IllegalArgumentException("the training image limit must be 0 (all) or positive, got " + trainLimit);
    }
  }

  /** The defaults for a data set; change what you need with the builder's {@code opt} methods. */
  public static Builder builder(Dataset dataset) {
    return new Builder(dataset);
  }

  /** The dropout used when none is given: the rate each kind of network was tuned with. */
  public static float defaultDropout(Architecture architecture) {
    return architecture instanceof Architecture.Cnn ? DEFAULT_CNN_DROPOUT : DEFAULT_MLP_DROPOUT;
  }

  private static void atLeastOne(String what, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(what + " must be at least 1, got " + value);
    }
  }

  /** Builds {@link TeacherOptions}; each {@code opt} method overrides one default. */
  public static final class Builder {
    private final Dataset dataset;
    private String teacherId;
    private Architecture architecture = DEFAULT_ARCHITECTURE;
    private Float dropout;
    private int members = 1;
    private int epochs = DEFAULT_EPOCHS;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private float learningRate = DEFAULT_LEARNING_RATE;
    private int seed = DEFAULT_SEED;
    private boolean jitter = DEFAULT_JITTER;
    private int trainLimit;

    private Builder(Dataset dataset) {
      this.dataset = dataset;
      this.teacherId = dataset.cliName();
    }

    public Builder optTeacherId(String id) {
      this.teacherId = id;
      return this;
    }

    public Builder optArchitecture(Architecture a) {
      this.architecture = a;
      return this;
    }

    /** Without this, {@link #defaultDropout} of the architecture. */
    public Builder optDropout(float rate) {
      this.dropout = rate;
      return this;
    }

    public Builder optMembers(int k) {
      this.members = k;
      return this;
    }

    public Builder optEpochs(int e) {
      this.epochs = e;
      return this;
    }

    public Builder optBatchSize(int b) {
      this.batchSize = b;
      return this;
    }

    public Builder optLearningRate(float lr) {
      this.learningRate = lr;
      return this;
    }

    public Builder optSeed(int s) {
      this.seed = s;
      return this;
    }

    public Builder optJitter(boolean on) {
      this.jitter = on;
      return this;
    }

    public Builder optTrainLimit(int n) {
      this.trainLimit = n;
      return this;
    }

    public TeacherOptions build() {
      return new TeacherOptions(dataset, teacherId, architecture,
          dropout != null ? dropout : defaultDropout(architecture), members, epochs, batchSize, learningRate, seed,
          jitter, trainLimit);
    }
  }
}
