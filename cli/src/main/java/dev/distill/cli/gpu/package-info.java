/**
 * The GPU acceptance check ({@code distill gpu-check}, {@code deploy/gpu-check.sh}): the trainer's
 * and the scorer's own code on the GPU, asserted to run there, then on the CPU, with the rates of
 * both. On a machine without a usable GPU it stops at once with the reason in one sentence.
 */
package dev.distill.cli.gpu;
