/**
 * Trained networks out to ONNX, the format the scorer and the devices run: {@link
 * dev.distill.trainer.export.OnnxExport} writes the same computation DJL trained (the parity
 * tests hold the two to 1e-5) and {@link dev.distill.trainer.export.Provenance} the metadata
 * that says where the model came from.
 */
package dev.distill.trainer.export;
