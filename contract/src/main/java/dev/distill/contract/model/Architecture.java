package dev.distill.contract.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The shape of a network, written as a short spec string that travels with every model (ONNX
 * metadata {@link ModelInterface#META_ARCHITECTURE}, {@code ModelVersion.architecture}) so that
 * a reader knows what it holds without opening the graph, and a trainer can rebuild it.
 *
 * <ul>
 *   <li>{@code mlp:784-800-800-10}: a multilayer perceptron, input size, hidden layer sizes (each
 *       followed by a ReLU), number of classes.
 *   <li>{@code cnn:28x28-c32-c64-f256-10}: a small convolutional network on one-channel images
 *       of 28 by 28; each {@code cK} is a 5x5 convolution with K filters, padding 2 (size kept),
 *       a ReLU and a 2x2 max-pool of stride 2 (size halved, rounded down); each {@code fK} a
 *       dense layer of K units with a ReLU; the last number is the number of classes.
 * </ul>
 *
 * The input is always {@code [N, inputSize()]}, flattened row-major, as {@link ModelInterface}
 * says; the output the class logits.
 */
public sealed interface Architecture permits Architecture.Mlp, Architecture.Cnn {
  /** Canonical spec string, e.g. {@code mlp:784-800-800-10}; {@code parse(spec())} gives an equal value. */
  String spec();

  /** Features per sample (D of the {@code [N, D]} input). */
  int inputSize();

  /** Number of classes (C of the {@code [N, C]} logits). */
  int classes();

  /**
   * Reads a spec string (case and surrounding blanks ignored).
   *
   * @throws IllegalArgumentException saying what is wrong and showing valid examples
   */
  static Architecture parse(String spec) {
    String s = spec == null ? "" : spec.trim().toLowerCase(Locale.ROOT);
    try {
      if (s.startsWith(Mlp.PREFIX)) {
        return Mlp.parseBody(s.substring(Mlp.PREFIX.length()));
      }
      if (s.startsWith(Cnn.PREFIX)) {
        return Cnn.parseBody(s.substring(Cnn.PREFIX.length()));
      }
      throw new IllegalArgumentException("it must start with '" + Mlp.PREFIX + "' or '" + Cnn.PREFIX + "'");
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("architecture '" + spec + "' is not valid: " + e.getMessage()
          + " (examples: mlp:784-800-800-10, cnn:28x28-c32-c64-f256-10)", e);
    }
  }

  /** A multilayer perceptron: dense layers with ReLU between them. */
  record Mlp(int inputSize, List<Integer> hidden, int classes) implements Architecture {
    static final String PREFIX = "mlp:";

    public Mlp {
      hidden = List.copyOf(hidden);
      positive("input size", inputSize);
      hidden.forEach(h -> positive("hidden layer size", h));
      positive("number of classes", classes);
    }

    @Override
    public String spec() {
      return PREFIX + inputSize + hidden.stream().map(h -> "-" + h).collect(Collectors.joining()) + "-" + classes;
    }

    @Override
    public String toString() {
      return spec();
    }

    static Mlp parseBody(String body) {
      String[] parts = body.split("-", -1);
      if (parts.length < 2) {
        throw new IllegalArgumentException("an mlp needs at least an input size and a number of classes, e.g. 784-10");
      }
      List<Integer> hidden = new ArrayList<>();
      for (int i = 1; i < parts.length - 1; i++) {
        hidden.add(number(parts[i]));
      }
      return new Mlp(number(parts[0]), hidden, number(parts[parts.length - 1]));
    }
  }

  /**
   * A small convolutional network on one-channel images: conv blocks (5x5 convolution with
   * padding 2, ReLU, 2x2 max-pool), then dense layers with ReLU, then the class logits.
   */
  record Cnn(int height, int width, List<Integer> convChannels, List<Integer> hidden, int classes)
      implements Architecture {
    static final String PREFIX = "cnn:";
    public static final int KERNEL = 5;
    /** Keeps the image size through a convolution: (KERNEL - 1) / 2. */
    public static final int PADDING = 2;
    /** Kernel and stride of every max-pool. */
    public static final int POOL = 2;
    private static final Pattern SIZE = Pattern.compile("(\\d+)x(\\d+)");

    public Cnn {
      convChannels = List.copyOf(convChannels);
      hidden = List.copyOf(hidden);
      positive("image height", height);
      positive("image width", width);
      if (convChannels.isEmpty()) {
        throw new IllegalArgumentException("a cnn needs at least one conv layer (cK)");
      }
      convChannels.forEach(c -> positive("conv filters", c));
      hidden.forEach(h -> positive("dense layer size", h));
      positive("number of classes", classes);
      if (pooled(height, convChannels.size()) < 1 || pooled(width, convChannels.size()) < 1) {
        throw new IllegalArgumentException(convChannels.size() + " conv layers pool a " + height + "x" + width
            + " image down to nothing");
      }
      if ((long) height * width > Integer.MAX_VALUE
          || (long) convChannels.get(convChannels.size() - 1) * pooled(height, convChannels.size())
              * pooled(width, convChannels.size()) > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("a " + height + "x" + width + " image is too large");
      }
    }

    @Override
    public int inputSize() {
      return height * width;
    }

    /** Height of the feature maps after the last pool. */
    public int pooledHeight() {
      return pooled(height, convChannels.size());
    }

    /** Width of the feature maps after the last pool. */
    public int pooledWidth() {
      return pooled(width, convChannels.size());
    }

    /** Features entering the first dense layer: channels x height x width after the last pool. */
    public int flattenedSize() {
      return convChannels.get(convChannels.size() - 1) * pooledHeight() * pooledWidth();
    }

    @Override
    public String spec() {
      return PREFIX + height + "x" + width
          + convChannels.stream().map(c -> "-c" + c).collect(Collectors.joining())
          + hidden.stream().map(h -> "-f" + h).collect(Collectors.joining())
          + "-" + classes;
    }

    @Override
    public String toString() {
      return spec();
    }

    private static int pooled(int size, int pools) {
      return size >> pools; // each 2x2 stride-2 pool floors the size by half
    }

    static Cnn parseBody(String body) {
      String[] parts = body.split("-", -1);
      Matcher size = SIZE.matcher(parts[0]);
      if (!size.matches()) {
        throw new IllegalArgumentException("a cnn spec starts with the image size HxW, e.g. 28x28, not '"
            + parts[0] + "'");
      }
      if (parts.length < 3) {
        throw new IllegalArgumentException("a cnn needs an image size, conv layers (cK) and a number of classes");
      }
      List<Integer> convs = new ArrayList<>();
      List<Integer> dense = new ArrayList<>();
      for (int i = 1; i < parts.length - 1; i++) {
        String p = parts[i];
        if (p.startsWith("c") && dense.isEmpty()) {
          convs.add(number(p.substring(1)));
        } else if (p.startsWith("f")) {
          dense.add(number(p.substring(1)));
        } else {
          throw new IllegalArgumentException("'" + p + "' is neither a conv layer (cK, before any dense layer) "
              + "nor a dense layer (fK)");
        }
      }
      return new Cnn(number(size.group(1)), number(size.group(2)), convs, dense, number(parts[parts.length - 1]));
    }
  }

  private static int number(String s) {
    if (!s.matches("\\d{1,9}")) {
      throw new IllegalArgumentException("'" + s + "' is not a layer size");
    }
    return Integer.parseInt(s);
  }

  private static void positive(String what, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(what + " must be at least 1, got " + value);
    }
  }
}
