package dev.distill.trainer.model;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The parameters of one layer, copied out of the engine by DJL's names, row-major in DJL's
 * layout: dense and convolution {@code weight} ({@code [out, in]}, {@code [outC, inC, k, k]})
 * and {@code bias}; batch norm {@code gamma}, {@code beta}, {@code runningMean}, {@code
 * runningVar}; token bag {@code embedding} ({@code [vocab, dim]}).
 */
public record LayerWeights(Map<String, float[]> arrays) {
  public LayerWeights {
    arrays = Map.copyOf(arrays);
  }

  /** A dense or convolution layer. */
  public LayerWeights(float[] weight, float[] bias) {
    this(Map.of("weight", weight, "bias", bias));
  }

  public float[] weight() {
    return array("weight");
  }

  public float[] bias() {
    return array("bias");
  }

  /**
   * One parameter by its DJL name.
   *
   * @throws IllegalStateException when the layer has no such parameter
   */
  public float[] array(String name) {
    float[] a = arrays.get(name);
    if (a == null) {
      throw new IllegalStateException("the layer has no parameter '" + name + "', only " + arrays.keySet());
    }
    return a;
  }

  static LayerWeights of(Map<String, float[]> byName) {
    return new LayerWeights(new LinkedHashMap<>(byName));
  }
}
