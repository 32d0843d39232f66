package dev.distill.trainer.engine;

/**
 * Which device models train on: {@code auto} takes the first GPU when PyTorch sees one (a cuda
 * build on a machine with a GPU), else the CPU; {@code cpu} never touches a GPU; {@code gpu}
 * requires one and refuses to start without it, rather than train silently on the CPU.
 */
public enum TrainingDevice {
  AUTO,
  CPU,
  GPU
}
