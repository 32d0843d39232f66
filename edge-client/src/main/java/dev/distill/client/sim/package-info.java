/**
 * The fleet simulator: many device agents in one JVM sharing one ONNX Runtime environment,
 * one HTTP client and a few scheduler threads. Each simulated device classifies its own slice
 * of a labelled test set with its active model and reports its on-device accuracy, so that
 * rollouts are gated on real quality. {@link dev.distill.client.sim.Fleet} is the in-process
 * entry point (the demo and {@code distill devices simulate}).
 */
package dev.distill.client.sim;
