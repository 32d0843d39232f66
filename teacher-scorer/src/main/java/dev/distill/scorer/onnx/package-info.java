/**
 * The ONNX Runtime teacher: {@link dev.distill.scorer.onnx.OnnxTeacherLoader} opens every member
 * of a teacher version as a session with an explicit thread budget on the chosen execution
 * provider (CUDA when configured and present, CPU otherwise), checks it against the shared model
 * interface, and hands back a {@link dev.distill.scorer.teacher.Teacher}.
 */
package dev.distill.scorer.onnx;
