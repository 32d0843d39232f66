/**
 * The trainer's rows of {@code distill bench}: the trainer service reading a soft-targets topic
 * against the raw DJL loop of its own step, and that loop against the same loop in plain PyTorch.
 */
package dev.distill.bench.trainer;
