package dev.distill.cli.experiment;

import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.proto.SoftTarget;
import dev.distill.contract.wire.Tensors;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;

/** Compositions of the scored training split: what each arm's student gets to see, and in which order. */
final class Streams {
  private Streams() {}

  /** {@code passes} passes over {@code base}, each in its own shuffled order (seeded: runs repeat). */
  static List<SoftTarget> passes(List<SoftTarget> base, int passes, long seed) {
    List<SoftTarget> out = new ArrayList<>(base.size() * passes);
    Random random = new Random(seed);
    for (int p = 0; p < passes; p++) {
      List<SoftTarget> pass = new ArrayList<>(base);
      Collections.shuffle(pass, random);
      out.addAll(pass);
    }
    return out;
  }

  static List<SoftTarget> where(List<SoftTarget> base, Predicate<SoftTarget> keep) {
    return base.stream().filter(keep).toList();
  }

  /** The same records, keeping the hard label on exactly {@code round(fraction * n)} of them, chosen at random. */
  static List<SoftTarget> labelBudget(List<SoftTarget> base, double fraction, long seed) {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < base.size(); i++) {
      order.add(i);
    }
    Collections.shuffle(order, new Random(seed));
    boolean[] keep = new boolean[base.size()];
    long budget = Math.round(fraction * base.size());
    for (int i = 0; i < budget; i++) {
      keep[order.get(i)] = true;
    }
    List<SoftTarget> out = new ArrayList<>(base.size());
    for (int i = 0; i < base.size(); i++) {
      out.add(keep[i] ? base.get(i) : base.get(i).toBuilder().clearLabel().build());
    }
    return out;
  }

  /**
   * The records' features as 28 x 28 images (label 0 where there is none), for running a
   * published ONNX file on them.
   */
  static LabelledImages images(List<SoftTarget> targets) {
    int d = 28 * 28;
    byte[] pixels = new byte[targets.size() * d];
    byte[] labels = new byte[targets.size()];
    for (int i = 0; i < targets.size(); i++) {
      float[] x = Tensors.toFloats(targets.get(i).getFeatures());
      if (x.length != d) {
        throw new IllegalArgumentException("sample " + targets.get(i).getSampleId() + " has " + x.length
            + " features, not a 28 x 28 image");
      }
      for (int j = 0; j < d; j++) {
        pixels[i * d + j] = (byte) Math.round(x[j]);
      }
      labels[i] = (byte) (targets.get(i).hasLabel() ? targets.get(i).getLabel() : 0);
    }
    return new LabelledImages("stream", "validation", 28, 28, pixels, labels);
  }

  /** The records whose label is in {@code [from, to]}. */
  static Predicate<SoftTarget> labelBetween(int from, int to) {
    return t -> t.hasLabel() && t.getLabel() >= from && t.getLabel() <= to;
  }
}
