/**
 * Bringing a user's teacher in: {@link dev.distill.scorer.importer.TeacherImporter} reads an
 * exported ONNX graph's interface, records it with the user's preprocessing, class names and the
 * sample mapping as a {@link dev.distill.contract.model.TeacherManifest}, checks it against the
 * stream and in ONNX Runtime, and stores it as a new teacher version (what {@code distill teacher
 * import} runs).
 */
package dev.distill.scorer.importer;
