package dev.distill.contract.model;

import dev.distill.contract.proto.DType;
import dev.distill.contract.wire.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A named tensor a model takes or gives: its element type and its shape, where a dimension is a
 * fixed size or a symbol ({@code N} for the batch, {@code seq} for a sequence length).
 *
 * <p>Written as {@code name=dtype[d1,d2,...]}, e.g. {@code image=float32[N,1,28,28]} or
 * {@code input_ids=int64[N,seq]}; {@link #parse} reads that form.
 */
public record TensorSpec(String name, DType dtype, List<Dim> shape) {
  private static final Pattern FORM = Pattern.compile("\\s*([^=\\s]+)\\s*=\\s*([a-zA-Z0-9]+)\\s*\\[([^\\]]*)\\]\\s*");

  public TensorSpec {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a tensor needs a name");
    }
    shape = List.copyOf(shape);
  }

  /** One dimension: a fixed size ({@code size > 0}) or a symbol ({@code size == -1}). */
  public record Dim(long size, String symbol) {
    public static Dim fixed(long size) {
      if (size < 1) {
        throw new IllegalArgumentException("a fixed dimension must be at least 1, got " + size);
      }
      return new Dim(size, null);
    }

    public static Dim symbolic(String symbol) {
      return new Dim(-1, symbol == null || symbol.isBlank() ? "?" : symbol);
    }

    public boolean isFixed() {
      return size > 0;
    }

    @Override
    public String toString() {
      return isFixed() ? Long.toString(size) : symbol;
    }
  }

  /** Reads {@code name=dtype[d1,...]}; a dimension that is not a number is a symbol. */
  public static TensorSpec parse(String text) {
    Matcher m = FORM.matcher(text == null ? "" : text);
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a tensor spec like image=float32[N,1,28,28]");
    }
    List<Dim> dims = new ArrayList<>();
    String body = m.group(3).trim();
    if (!body.isEmpty()) {
      for (String d : body.split(",")) {
        String t = d.trim();
        dims.add(t.matches("\\d{1,18}") ? Dim.fixed(Long.parseLong(t)) : Dim.symbolic(t));
      }
    }
    return new TensorSpec(m.group(1), Tensors.parseDType(m.group(2)), dims);
  }

  /** Whether the first dimension is the batch (symbolic, or fixed at 1 by an export that forgot dynamic axes). */
  public boolean batched() {
    return !shape.isEmpty() && (!shape.get(0).isFixed() || shape.get(0).size() == 1);
  }

  /** The shape of one sample: the dimensions after the batch. */
  public List<Dim> sampleShape() {
    return batched() ? shape.subList(1, shape.size()) : shape;
  }

  /** {@code float32 [N, 1, 28, 28]}, as error messages show it. */
  public String describe() {
    return Tensors.name(dtype) + " " + shape;
  }

  @Override
  public String toString() {
    return name + "=" + Tensors.name(dtype) + shape.toString().replace(" ", "");
  }
}
