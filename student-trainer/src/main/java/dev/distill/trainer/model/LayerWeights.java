package dev.distill.trainer.model;

/**
 * The parameters of one dense or convolution layer, copied out of the engine, row-major in
 * DJL's layout (dense {@code [out, in]}, convolution {@code [outC, inC, k, k]}).
 */
public record LayerWeights(float[] weight, float[] bias) {}
