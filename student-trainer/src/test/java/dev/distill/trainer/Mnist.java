package dev.distill.trainer;

import dev.distill.contract.data.Dataset;
import dev.distill.contract.data.Datasets;
import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.data.Split;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The real MNIST for tests, fetched into the default data home once per machine and read once
 * per test JVM (the training split is 47 MB).
 */
public final class Mnist {
  private static LabelledImages train;
  private static LabelledImages test;

  private Mnist() {}

  public static synchronized LabelledImages train() {
    if (train == null) {
      train = load(Split.TRAIN);
    }
    return train;
  }

  public static synchronized LabelledImages test() {
    if (test == null) {
      test = load(Split.TEST);
    }
    return test;
  }

  private static LabelledImages load(Split split) {
    try {
      Datasets.ensureAvailable(Dataset.MNIST);
      return Datasets.load(Dataset.MNIST, split);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
