/**
 * What a teacher is to the scorer: a {@link dev.distill.scorer.teacher.Teacher} computes the
 * logits of one version (one model or an ensemble), {@link dev.distill.scorer.teacher.Softening}
 * turns them into soft targets, and {@link dev.distill.scorer.teacher.LiveTeacher} with {@link
 * dev.distill.scorer.teacher.TeacherPoller} swap a new version from the teacher store in between
 * batches, closing the old one after its last batch. No inference engine here: {@code
 * scorer.onnx} provides the ONNX Runtime teacher.
 */
package dev.distill.scorer.teacher;
