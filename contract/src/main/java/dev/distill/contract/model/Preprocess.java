package dev.distill.contract.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How a sample's raw values become a model's input, when the model's export left it outside the
 * graph (the usual case for {@code torch.onnx.export} of a vision model):
 * {@code x' = (x * scale - mean[c]) / std[c]}, where {@code c} is the channel of the element
 * under the {@link Layout} ({@code [C, H, W]} or {@code [H, W, C]} per sample). One mean or std
 * applies to every element. Students carry the same arithmetic as the first nodes of their ONNX
 * graph, so devices feed them raw samples.
 */
public record Preprocess(double scale, List<Double> mean, List<Double> std, Layout layout) {
  public static final Preprocess IDENTITY = new Preprocess(1, List.of(0.0), List.of(1.0), Layout.NONE);

  /** Where the channel axis of one sample is. */
  public enum Layout {
    /** No channels: one mean and one std for every element. */
    NONE,
    /** {@code [C, H, W]} per sample (PyTorch's NCHW). */
    NCHW,
    /** {@code [H, W, C]} per sample (TensorFlow's NHWC). */
    NHWC
  }

  public Preprocess {
    mean = List.copyOf(mean);
    std = List.copyOf(std);
    if (!(Double.isFinite(scale) && scale != 0)) {
      throw new IllegalArgumentException("scale must be a finite non-zero number, got " + scale);
    }
    if (mean.isEmpty() || std.isEmpty()) {
      throw new IllegalArgumentException("mean and std need at least one value each");
    }
    for (double s : std) {
      if (!(Double.isFinite(s) && s > 0)) {
        throw new IllegalArgumentException("every std must be a positive number, got " + std);
      }
    }
    for (double m : mean) {
      if (!Double.isFinite(m)) {
        throw new IllegalArgumentException("every mean must be a finite number, got " + mean);
      }
    }
    if (layout == Layout.NONE && (mean.size() > 1 || std.size() > 1)) {
      throw new IllegalArgumentException("per-channel mean or std needs a layout (nchw or nhwc)");
    }
  }

  public boolean isIdentity() {
    return scale == 1 && mean.stream().allMatch(m -> m == 0) && std.stream().allMatch(s -> s == 1);
  }

  /** Channels the mean and std cover: 1 for one value each. */
  public int channels() {
    return Math.max(mean.size(), std.size());
  }

  /**
   * Checks the per-channel values against a sample's shape.
   *
   * @return null when they fit, else what is wrong
   */
  public String misfit(long[] sampleShape) {
    if (channels() == 1) {
      return null;
    }
    if (sampleShape.length < 1) {
      return "per-channel values need a shape with channels";
    }
    long c = layout == Layout.NCHW ? sampleShape[0] : sampleShape[sampleShape.length - 1];
    if ((mean.size() != 1 && mean.size() != c) || (std.size() != 1 && std.size() != c)) {
      return "mean " + mean + " and std " + std + " do not fit " + c + " channels (" + layout + ")";
    }
    return null;
  }

  /**
   * Applies the arithmetic in place to one sample's values, laid out row-major in {@code
   * sampleShape}.
   */
  public void applyInPlace(float[] x, int from, long[] sampleShape) {
    int n = (int) count(sampleShape);
    int c = channels();
    if (c == 1) {
      double m = mean.get(0);
      double s = std.get(0);
      for (int i = 0; i < n; i++) {
        x[from + i] = (float) ((x[from + i] * scale - m) / s);
      }
      return;
    }
    int inner = layout == Layout.NCHW ? n / c : 1; // elements per channel run
    for (int i = 0; i < n; i++) {
      int ch = layout == Layout.NCHW ? i / inner : i % c;
      x[from + i] = (float) ((x[from + i] * scale - at(mean, ch)) / at(std, ch));
    }
  }

  private static double at(List<Double> values, int channel) {
    return values.size() == 1 ? values.get(0) : values.get(channel);
  }

  private static long count(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  /**
   * Reads {@code scale=1/255,mean=0.2860,std=0.3530,layout=nchw}; per-channel values are
   * separated by {@code :} ({@code mean=0.485:0.456:0.406}). Parts left out keep their identity
   * value; {@code none} is the identity.
   */
  public static Preprocess parse(String spec) {
    String s = spec == null ? "" : spec.trim().toLowerCase(Locale.ROOT);
    if (s.isEmpty() || s.equals("none")) {
      return IDENTITY;
    }
    double scale = 1;
    List<Double> mean = List.of(0.0);
    List<Double> std = List.of(1.0);
    Layout layout = Layout.NONE;
    for (String part : s.split(",")) {
      String[] kv = part.split("=", 2);
      if (kv.length != 2) {
        throw new IllegalArgumentException("'" + part + "' is not key=value (scale, mean, std, layout)");
      }
      String v = kv[1].trim();
      switch (kv[0].trim()) {
        case "scale" -> scale = fraction(v);
        case "mean" -> mean = values(v);
        case "std" -> std = values(v);
        case "layout" -> {
          try {
            layout = Layout.valueOf(v.toUpperCase(Locale.ROOT));
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("layout must be none, nchw or nhwc, got '" + v + "'");
          }
        }
        default -> throw new IllegalArgumentException("unknown preprocessing key '" + kv[0].trim()
            + "' (scale, mean, std, layout)");
      }
    }
    return new Preprocess(scale, mean, std, layout);
  }

  /** The form {@link #parse} reads. */
  public String spec() {
    if (isIdentity() && layout == Layout.NONE) {
      return "none";
    }
    return "scale=" + scale + ",mean=" + join(mean) + ",std=" + join(std) + ",layout="
        + layout.name().toLowerCase(Locale.ROOT);
  }

  private static String join(List<Double> values) {
    return String.join(":", values.stream().map(String::valueOf).toList());
  }

  private static double fraction(String v) {
    String[] p = v.split("/", 2);
    double x = Double.parseDouble(p[0].trim());
    return p.length == 2 ? x / Double.parseDouble(p[1].trim()) : x;
  }

  private static List<Double> values(String v) {
    List<Double> out = new ArrayList<>();
    for (String x : v.split(":")) {
      out.add(Double.parseDouble(x.trim()));
    }
    return out;
  }
}
