package dev.distill.cli.demo;

import dev.distill.contract.data.LabelledImages;
import dev.distill.platform.ingest.DatasetProducer;
import dev.distill.trainer.validation.SampleHash;
import java.io.ByteArrayOutputStream;

/**
 * The training images whose sample ids the trainers hold out of training (their validation
 * slice, by the same id hash): never trained on and not the test split, so simulated devices
 * measure the accuracy that gates rollouts on them, and the test split stays for reporting.
 */
public final class HeldOut {
  private HeldOut() {}

  /**
   * The held-out images among the first {@code streamed} that {@link Pipeline#produce} sends (in
   * its shuffled order), in that order.
   */
  public static LabelledImages images(LabelledImages train, long streamed, double fraction) {
    ByteArrayOutputStream pixels = new ByteArrayOutputStream();
    ByteArrayOutputStream labels = new ByteArrayOutputStream();
    int d = train.pixelsPerImage();
    int[] order = DatasetProducer.order(train.count(), Pipeline.SHUFFLE_SEED);
    for (int k = 0; k < Math.min(streamed, train.count()); k++) {
      int i = order[k];
      if (SampleHash.heldOut(DatasetProducer.sampleId(train, i), fraction)) {
        pixels.write(train.pixels(), train.imageOffset(i), d);
        labels.write(train.label(i));
      }
    }
    return new LabelledImages(train.dataset(), train.split() + "-held-out", train.rows(), train.cols(),
        pixels.toByteArray(), labels.toByteArray());
  }
}
