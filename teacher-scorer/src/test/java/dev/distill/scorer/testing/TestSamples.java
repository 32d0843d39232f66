package dev.distill.scorer.testing;

import dev.distill.contract.proto.Sample;
import dev.distill.contract.wire.Tensors;
import java.util.Random;

/** Synthetic 28x28 uint8 samples, reproducible by seed. */
public final class TestSamples {
  private TestSamples() {}

  public static Sample image(String id, long seed, int label) {
    byte[] pixels = new byte[28 * 28];
    new Random(seed).nextBytes(pixels);
    return Sample.newBuilder()
        .setId(id)
        .setEventTimeMs(1_700_000_000_000L + seed)
        .setSource("test/" + seed)
        .setLabel(label)
        .setFeatures(Tensors.uint8(pixels, 28, 28))
        .build();
  }
}
