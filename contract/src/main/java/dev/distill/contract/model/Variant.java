package dev.distill.contract.model;

import java.util.Locale;

/**
 * What a device runs of a student: each published version exists in several variants, and each
 * variant is a lineage of its own, named {@code <model>.<variant>} ({@code fp32} keeps the plain
 * name). A device registers for the lineage it runs, so the trainer signs each variant's bytes
 * under its own name, the publisher's manifest names the variant a device gets, and a rollout
 * gate compares a variant's new version only with the same variant's last good one.
 */
public enum Variant {
  /** Full precision, every weight updated in each version: what the trainer trained. */
  FP32("full precision"),
  /** Half-precision weights (weight-only: computation stays fp32), half the bytes. */
  FP16("half-precision weights"),
  /** 8-bit weights with a scale per output row (weight-only), a quarter of the bytes. */
  INT8("8-bit weights, one scale per row"),
  /**
   * Full precision, but each version moves the last one published in this lineage towards the
   * trained model in whole steps of one size per tensor ({@code QuantizedUpdate}), so that a
   * delta carries a small integer per weight instead of a float.
   */
  QDELTA("full precision, updates in quantized steps");

  private final String description;

  Variant(String description) {
    this.description = description;
  }

  /** Lower case, as in configuration and lineage names: {@code fp32}, {@code int8}. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public String description() {
    return description;
  }

  /** The lineage this variant of {@code model} is published as. */
  public String lineage(String model) {
    return this == FP32 ? model : model + "." + id();
  }

  /**
   * @throws IllegalArgumentException naming the variants there are
   */
  public static Variant parse(String id) {
    for (Variant v : values()) {
      if (v.id().equals(id.trim().toLowerCase(Locale.ROOT))) {
        return v;
      }
    }
    throw new IllegalArgumentException("no variant '" + id + "': fp32, fp16, int8 or qdelta");
  }
}
