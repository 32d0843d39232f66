package dev.distill.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * One input's values for a batch of samples, row-major: floats for float and uint8 inputs (raw
 * values, preprocessing is the network's), longs for integer inputs (token ids, masks).
 */
public sealed interface Feed {
  /** Values in all, rows times the elements of one sample. */
  int length();

  /** The values as an engine array of {@code shape}. */
  NDArray toArray(NDManager manager, Shape shape);

  record Floats(float[] values) implements Feed {
    @Override
    public int length() {
      return values.length;
    }

    @Override
    public NDArray toArray(NDManager manager, Shape shape) {
      return manager.create(values, shape);
    }
  }

  record Longs(long[] values) implements Feed {
    @Override
    public int length() {
      return values.length;
    }

    @Override
    public NDArray toArray(NDManager manager, Shape shape) {
      return manager.create(values, shape);
    }
  }
}
