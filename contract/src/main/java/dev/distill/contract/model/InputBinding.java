package dev.distill.contract.model;

import dev.distill.contract.proto.DType;
import dev.distill.contract.proto.Tensor;
import dev.distill.contract.wire.Tensors;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Which sample tensor feeds each input of a model, and whether it fits: the rules the scorer
 * applies to every sample and {@code distill teacher import} applies to a declared stream, so
 * both refuse a mismatch with the same words.
 *
 * <p>A sample tensor fits an input when its dtype converts without loss of meaning (any number
 * to a float input; whole numbers to an integer input) and its shape either matches the input's
 * per-sample shape dimension by dimension (a symbolic dimension takes any size) or, where the
 * input's shape is all fixed, has the same number of elements (a {@code [28, 28]} image feeds a
 * {@code [1, 28, 28]} input: row-major order is the same).
 */
public final class InputBinding {
  private InputBinding() {}

  /**
   * The sample tensor for input {@code i} of a manifest, by the input's mapping or name, or the
   * only tensor for the only input.
   *
   * @return the tensor's name in {@code sample}, or null with {@code problem[0]} set
   */
  public static String pick(TeacherManifest m, int i, Map<String, ?> sample, String[] problem) {
    String wanted = m.sampleTensorOf(i);
    if (sample.containsKey(wanted)) {
      return wanted;
    }
    if (m.inputs().size() == 1 && m.inputs().get(0).sampleTensor().isEmpty() && sample.size() == 1) {
      return sample.keySet().iterator().next();
    }
    problem[0] = "input '" + m.inputs().get(i).name() + "' needs the sample tensor '" + wanted
        + "'; the sample has " + sample.keySet();
    return null;
  }

  /**
   * The shape the input gets from this sample tensor (per sample, without the batch), or null
   * with {@code problem[0]} saying why it does not fit.
   */
  public static long[] fit(TeacherManifest.Input input, DType dtype, int[] shape, String[] problem) {
    TensorSpec spec = input.spec();
    if (!convertible(dtype, spec.dtype())) {
      problem[0] = mismatch(spec, dtype, shape) + " (a " + Tensors.name(dtype) + " tensor cannot feed a "
          + Tensors.name(spec.dtype()) + " input)";
      return null;
    }
    List<TensorSpec.Dim> want = spec.sampleShape();
    long[] resolved = new long[want.size()];
    boolean same = want.size() == shape.length;
    for (int d = 0; same && d < shape.length; d++) {
      TensorSpec.Dim w = want.get(d);
      same = !w.isFixed() || w.size() == shape[d];
      resolved[d] = shape[d];
    }
    if (!same) {
      boolean allFixed = want.stream().allMatch(TensorSpec.Dim::isFixed);
      long wantCount = want.stream().mapToLong(TensorSpec.Dim::size).reduce(1, (a, b) -> a * b);
      long hasCount = Arrays.stream(shape).asLongStream().reduce(1, (a, b) -> a * b);
      if (!allFixed || wantCount != hasCount) {
        problem[0] = mismatch(spec, dtype, shape) + hint(input, dtype);
        return null;
      }
      for (int d = 0; d < resolved.length; d++) {
        resolved[d] = want.get(d).size();
      }
    }
    String misfit = input.preprocess().misfit(resolved);
    if (misfit != null) {
      problem[0] = "input '" + spec.name() + "': preprocessing " + misfit;
      return null;
    }
    return resolved;
  }

  /** Built only for a sample that does not fit: scoring calls {@link #fit} for every sample. */
  private static String mismatch(TensorSpec spec, DType dtype, int[] shape) {
    return "input '" + spec.name() + "' wants " + spec.describe() + "; the sample tensor is " + Tensors.name(dtype)
        + " " + Arrays.toString(shape);
  }

  private static String hint(TeacherManifest.Input input, DType dtype) {
    return dtype == DType.UINT8 && input.preprocess().isIdentity() && Tensors.isFloatingPoint(input.spec().dtype())
        ? ": reshape the samples, or import the teacher with --input and --preprocess (e.g. scale=1/255,mean=...,std=...)"
        : ": send samples of that shape, or map another sample tensor with --input";
  }

  /** Whether sample elements of {@code from} may feed an input of {@code to}. */
  public static boolean convertible(DType from, DType to) {
    if (Tensors.isFloatingPoint(to)) {
      return true; // every supported number is exactly or closely a float
    }
    if (to == DType.UINT8) {
      return from == DType.UINT8;
    }
    return !Tensors.isFloatingPoint(from); // whole numbers to int32/int64
  }

  /** Convenience for one tensor. */
  public static long[] fit(TeacherManifest.Input input, Tensor t, String[] problem) {
    return fit(input, t.getDtype(), Tensors.shape(t), problem);
  }
}
