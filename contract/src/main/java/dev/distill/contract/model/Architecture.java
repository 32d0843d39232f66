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
 *   <li>{@code cnn:3x32x32-c16bn-c32bn-f64-10}: a small convolutional network on images of C
 *       channels, H by W ({@code cnn:28x28-...} is one channel, {@code 1x28x28}); each {@code cK}
 *       is a 5x5 convolution with K filters, padding 2 (size kept), then with {@code bn} a batch
 *       normalisation, a ReLU and a 2x2 max-pool of stride 2 (size halved, rounded down); each
 *       {@code fK} a dense layer of K units with a ReLU; the last number is the number of classes.
 *   <li>{@code tok:64-e16-f32-4}: a token-id student: an embedding table of 64 ids by 16, the
 *       mean of the embeddings of the real (unpadded) positions, dense layers {@code fK} with a
 *       ReLU, then the class logits.
 * </ul>
 *
 * An mlp or cnn takes one input of {@link #inputSize()} elements per sample, in whatever shape
 * its input declares (flattened row-major for the mlp, viewed as {@code [C, H, W]} for the cnn);
 * a tok network takes token ids of any length. The output is always the class logits.
 */
public sealed interface Architecture permits Architecture.Mlp, Architecture.Cnn, Architecture.Tok {
  /** Canonical spec string, e.g. {@code mlp:784-800-800-10}; {@code parse(spec())} gives an equal value. */
  String spec();

  /**
   * Elements per sample of the input (D of a {@code [N, D]} input), or 0 for a {@link Tok}
   * network, whose sequence length is the samples' own.
   */
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
      if (s.startsWith(Tok.PREFIX)) {
        return Tok.parseBody(s.substring(Tok.PREFIX.length()));
      }
      throw new IllegalArgumentException("it must start with '" + Mlp.PREFIX + "', '" + Cnn.PREFIX + "' or '"
          + Tok.PREFIX + "'");
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("architecture '" + spec + "' is not valid: " + e.getMessage()
          + " (examples: mlp:784-800-800-10, cnn:28x28-c32-c64-f256-10, cnn:3x32x32-c16bn-c32bn-f64-10,"
          + " tok:64-e16-f32-4)", e);
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
   * A small convolutional network on {@code [C, H, W]} images: conv blocks (5x5 convolution with
   * padding 2, optional batch normalisation, ReLU, 2x2 max-pool), then dense layers with ReLU,
   * then the class logits.
   */
  record Cnn(int channels, int height, int width, List<Conv> convs, List<Integer> hidden, int classes)
      implements Architecture {
    static final String PREFIX = "cnn:";
    public static final int KERNEL = 5;
    /** Keeps the image size through a convolution: (KERNEL - 1) / 2. */
    public static final int PADDING = 2;
    /** Kernel and stride of every max-pool. */
    public static final int POOL = 2;
    /** Batch normalisation's epsilon, the same in training (DJL) and in the ONNX export. */
    public static final float BN_EPSILON = 1e-5f;
    /** Share of the old running statistics kept at each training step (DJL's sense; PyTorch's 0.1). */
    public static final float BN_MOMENTUM = 0.9f;
    private static final Pattern SIZE = Pattern.compile("(?:(\\d+)x)?(\\d+)x(\\d+)");
    private static final Pattern CONV = Pattern.compile("c(\\d{1,9})(bn)?");

    /** One conv block: K filters, and whether a batch normalisation follows the convolution. */
    public record Conv(int filters, boolean batchNorm) {
      public Conv {
        positive("conv filters", filters);
      }

      String spec() {
        return "-c" + filters + (batchNorm ? "bn" : "");
      }
    }

    public Cnn {
      convs = List.copyOf(convs);
      hidden = List.copyOf(hidden);
      positive("image channels", channels);
      positive("image height", height);
      positive("image width", width);
      if (convs.isEmpty()) {
        throw new IllegalArgumentException("a cnn needs at least one conv layer (cK)");
      }
      hidden.forEach(h -> positive("dense layer size", h));
      positive("number of classes", classes);
      if (pooled(height, convs.size()) < 1 || pooled(width, convs.size()) < 1) {
        throw new IllegalArgumentException(convs.size() + " conv layers pool a " + height + "x" + width
            + " image down to nothing");
      }
      if ((long) channels * height * width > Integer.MAX_VALUE
          || (long) convs.get(convs.size() - 1).filters() * pooled(height, convs.size())
              * pooled(width, convs.size()) > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("a " + channels + "x" + height + "x" + width + " image is too large");
      }
    }

    /** One channel, no batch normalisation: the form every cnn had before channels existed. */
    public Cnn(int height, int width, List<Integer> convChannels, List<Integer> hidden, int classes) {
      this(1, height, width, convChannels.stream().map(c -> new Conv(c, false)).toList(), hidden, classes);
    }

    /** The filters of each conv block. */
    public List<Integer> convChannels() {
      return convs.stream().map(Conv::filters).toList();
    }

    @Override
    public int inputSize() {
      return channels * height * width;
    }

    /** Height of the feature maps after the last pool. */
    public int pooledHeight() {
      return pooled(height, convs.size());
    }

    /** Width of the feature maps after the last pool. */
    public int pooledWidth() {
      return pooled(width, convs.size());
    }

    /** Features entering the first dense layer: channels x height x width after the last pool. */
    public int flattenedSize() {
      return convs.get(convs.size() - 1).filters() * pooledHeight() * pooledWidth();
    }

    /** One-channel images keep the old {@code HxW} form, so old specs read back unchanged. */
    @Override
    public String spec() {
      return PREFIX + (channels == 1 ? "" : channels + "x") + height + "x" + width
          + convs.stream().map(Conv::spec).collect(Collectors.joining())
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
        throw new IllegalArgumentException("a cnn spec starts with the image size HxW or CxHxW, e.g. 28x28 or"
            + " 3x32x32, not '" + parts[0] + "'");
      }
      if (parts.length < 3) {
        throw new IllegalArgumentException("a cnn needs an image size, conv layers (cK) and a number of classes");
      }
      List<Conv> convs = new ArrayList<>();
      List<Integer> dense = new ArrayList<>();
      for (int i = 1; i < parts.length - 1; i++) {
        String p = parts[i];
        Matcher conv = CONV.matcher(p);
        if (conv.matches() && dense.isEmpty()) {
          convs.add(new Conv(number(conv.group(1)), conv.group(2) != null));
        } else if (p.startsWith("f")) {
          dense.add(number(p.substring(1)));
        } else {
          throw new IllegalArgumentException("'" + p + "' is neither a conv layer (cK or cKbn, before any dense"
              + " layer) nor a dense layer (fK)");
        }
      }
      int channels = size.group(1) == null ? 1 : number(size.group(1));
      return new Cnn(channels, number(size.group(2)), number(size.group(3)), convs, dense,
          number(parts[parts.length - 1]));
    }
  }

  /**
   * A token-id network: ids {@code [N, L]} look up rows of a {@code vocab x embedding} table;
   * the mean over the real positions (mask 1; padding 0 left out) goes through dense layers with
   * ReLU to the class logits. Ids outside {@code 0..vocab-1} are clamped into it.
   */
  record Tok(int vocab, int embedding, List<Integer> hidden, int classes) implements Architecture {
    static final String PREFIX = "tok:";

    public Tok {
      hidden = List.copyOf(hidden);
      positive("vocabulary size", vocab);
      positive("embedding size", embedding);
      hidden.forEach(h -> positive("dense layer size", h));
      positive("number of classes", classes);
    }

    /** Token sequences have no fixed size: 0. */
    @Override
    public int inputSize() {
      return 0;
    }

    @Override
    public String spec() {
      return PREFIX + vocab + "-e" + embedding + hidden.stream().map(h -> "-f" + h).collect(Collectors.joining())
          + "-" + classes;
    }

    @Override
    public String toString() {
      return spec();
    }

    static Tok parseBody(String body) {
      String[] parts = body.split("-", -1);
      if (parts.length < 3 || !parts[1].startsWith("e")) {
        throw new IllegalArgumentException("a tok network needs a vocabulary size, an embedding size (eK) and a"
            + " number of classes, e.g. 64-e16-f32-4");
      }
      List<Integer> dense = new ArrayList<>();
      for (int i = 2; i < parts.length - 1; i++) {
        if (!parts[i].startsWith("f")) {
          throw new IllegalArgumentException("'" + parts[i] + "' is not a dense layer (fK)");
        }
        dense.add(number(parts[i].substring(1)));
      }
      return new Tok(number(parts[0]), number(parts[1].substring(1)), dense, number(parts[parts.length - 1]));
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
