/**
 * The scorer's rows of {@code distill bench}: the scorer end to end against raw ONNX Runtime, against
 * the 2-core limit its two halves allow, ONNX Runtime against a same-run GEMM, and exactly-once
 * against at-least-once. Everything runs in the bench's JVM: an embedded broker, the scorer
 * service, and the bare runtimes.
 */
package dev.distill.bench.scorer;
