/**
 * Student versions: when a candidate is considered, the promotion gate that decides whether it
 * is published, and the {@code ModelVersion} (ONNX bytes plus provenance) it is published as.
 */
package dev.distill.trainer.version;
