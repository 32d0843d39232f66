package dev.distill.trainer.model;

import dev.distill.contract.model.Architecture;
import dev.distill.contract.model.ModelInterface;
import dev.distill.contract.model.Preprocess;
import dev.distill.contract.model.TeacherManifest;
import dev.distill.contract.model.TensorSpec;
import dev.distill.contract.proto.DType;
import dev.distill.contract.wire.Tensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The inputs a student takes: the teacher's own (name, dtype, per-sample shape) with the
 * teacher's preprocessing, which the student carries as its first operations (in DJL and in the
 * ONNX graph), so a device feeds a student the raw tensors it would feed the teacher.
 *
 * <p>A token student ({@code tok:}) takes int ids {@code [N, L]} and optionally a mask of the
 * same shape, the input whose name contains {@code mask} (else the second); without a mask input,
 * id 0 is padding and every other id a real token.
 */
public record StudentInputs(List<Input> inputs) {
  /** Scale of uint8 images (MNIST, Fashion-MNIST): pixels 0..255 become 0..1. */
  public static final float PIXEL_SCALE = 1f / 255f;

  public StudentInputs {
    inputs = List.copyOf(inputs);
    if (inputs.isEmpty()) {
      throw new IllegalArgumentException("a student takes at least one input");
    }
  }

  /** One input: its per-sample shape leaves out the batch dimension {@code N}. */
  public record Input(String name, DType dtype, List<TensorSpec.Dim> sampleShape, Preprocess preprocess) {
    public Input {
      sampleShape = List.copyOf(sampleShape);
      if (sampleShape.stream().filter(d -> !d.isFixed()).count() > 1) {
        throw new IllegalArgumentException("input '" + name + "' has more than one symbolic dimension per sample "
            + sampleShape + ": a student cannot tell their sizes from a flat batch");
      }
    }

    /** The ONNX input: {@code [N, sample shape...]}. */
    public TensorSpec batchedSpec() {
      List<TensorSpec.Dim> dims = new ArrayList<>();
      dims.add(TensorSpec.Dim.symbolic("N"));
      dims.addAll(sampleShape);
      return new TensorSpec(name, dtype, dims);
    }

    /** Whether the values are whole numbers (ids, masks), fed as longs. */
    public boolean integer() {
      return dtype == DType.INT32 || dtype == DType.INT64;
    }

    /** Elements per sample, or -1 when a dimension is symbolic. */
    public long fixedSize() {
      long n = 1;
      for (TensorSpec.Dim d : sampleShape) {
        if (!d.isFixed()) {
          return -1;
        }
        n *= d.size();
      }
      return n;
    }

    /**
     * The shape of a batch of {@code rows} samples holding {@code elements} values in all; a
     * symbolic dimension takes what is left.
     */
    public long[] batchShape(int rows, long elements) {
      long[] shape = new long[sampleShape.size() + 1];
      shape[0] = rows;
      long fixed = 1;
      int open = -1;
      for (int d = 0; d < sampleShape.size(); d++) {
        TensorSpec.Dim dim = sampleShape.get(d);
        shape[d + 1] = dim.size();
        if (dim.isFixed()) {
          fixed *= dim.size();
        } else {
          open = d + 1;
        }
      }
      if (open > 0 && rows > 0 && elements % (rows * fixed) == 0) {
        shape[open] = elements / (rows * fixed);
      } else if (open > 0 || rows * fixed != elements) {
        throw new IllegalArgumentException(elements + " values do not make " + rows + " samples of input '" + name
            + "' " + sampleShape);
      }
      return shape;
    }

    /** The scale as the float both DJL and ONNX multiply by; 1 needs no operation. */
    public float scale() {
      return (float) preprocess.scale();
    }

    /** The means to subtract, or null when all are 0. */
    public float[] mean() {
      return preprocess.mean().stream().allMatch(m -> m == 0) ? null : floats(preprocess.mean());
    }

    /** The stds to divide by, or null when all are 1. */
    public float[] std() {
      return preprocess.std().stream().allMatch(s -> s == 1) ? null : floats(preprocess.std());
    }

    /**
     * The shape a constant of {@code count} per-channel values takes to broadcast over {@code [N,
     * sample...]}: a scalar for one value, {@code [C, 1, 1]} under NCHW, {@code [C]} under NHWC.
     */
    public long[] constantShape(int count) {
      if (count == 1) {
        return new long[] {};
      }
      if (preprocess.layout() == Preprocess.Layout.NHWC) {
        return new long[] {count};
      }
      long[] shape = new long[sampleShape.size()];
      Arrays.fill(shape, 1);
      shape[0] = count;
      return shape;
    }

    private static float[] floats(List<Double> values) {
      float[] out = new float[values.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = values.get(i).floatValue();
      }
      return out;
    }
  }

  /**
   * The legacy interface of {@link ModelInterface}: {@code pixels} float32 {@code [N, D]} of raw
   * values, multiplied by {@code scale} ({@link #PIXEL_SCALE} for images) first.
   */
  public static StudentInputs pixels(int features, float scale) {
    Preprocess p = new Preprocess(scale, List.of(0.0), List.of(1.0), Preprocess.Layout.NONE);
    return new StudentInputs(List.of(new Input(ModelInterface.INPUT, DType.FLOAT32,
        List.of(TensorSpec.Dim.fixed(features)), p)));
  }

  /** The legacy image interface: raw pixels 0..255 scaled to 0..1. */
  public static StudentInputs pixels(int features) {
    return pixels(features, PIXEL_SCALE);
  }

  /** The teacher's inputs, in its order, with its preprocessing. */
  public static StudentInputs of(TeacherManifest manifest) {
    List<Input> out = new ArrayList<>();
    for (TeacherManifest.Input in : manifest.inputs()) {
      out.add(new Input(in.name(), in.spec().dtype(), in.spec().sampleShape(), in.preprocess()));
    }
    return new StudentInputs(out);
  }

  /**
   * Checks that an architecture can take these inputs.
   *
   * @throws IllegalArgumentException saying why not
   */
  public StudentInputs check(Architecture architecture) {
    if (architecture instanceof Architecture.Tok) {
      if (inputs.size() > 2 || !inputs.stream().allMatch(i -> i.integer() && i.sampleShape().size() == 1)) {
        throw misfit(architecture, "token ids [N, L] and optionally a mask [N, L], as int32 or int64");
      }
      return this;
    }
    Input in = inputs.get(0);
    if (inputs.size() != 1 || in.fixedSize() != architecture.inputSize()) {
      throw misfit(architecture, "one input of " + architecture.inputSize() + " elements per sample");
    }
    long[] shape = in.sampleShape().stream().mapToLong(TensorSpec.Dim::size).toArray();
    String wrong = in.preprocess().misfit(shape);
    if (wrong != null) {
      throw new IllegalArgumentException("input '" + in.name() + "': preprocessing " + wrong);
    }
    return this;
  }

  private IllegalArgumentException misfit(Architecture a, String wants) {
    return new IllegalArgumentException("a " + a.spec() + " student takes " + wants + "; the inputs are " + this);
  }

  /** The token ids of a token student. */
  public int tokenIds() {
    return tokenMask() == 0 ? 1 : 0;
  }

  /** The mask input of a token student, or -1 when there is none (then id 0 is padding). */
  public int tokenMask() {
    if (inputs.size() < 2) {
      return -1;
    }
    return inputs.get(0).name().toLowerCase(Locale.ROOT).contains("mask") ? 0 : 1;
  }

  @Override
  public String toString() {
    return inputs.stream().map(i -> i.name() + "=" + Tensors.name(i.dtype()) + i.sampleShape().toString()
        .replace(" ", "")).toList().toString();
  }
}
