/**
 * Bootstrap training of the teacher that labels the stream: {@link
 * dev.distill.trainer.teacher.TeacherTrainer} trains one network or an ensemble on a data set,
 * counts its test errors and publishes it to the teacher store, from which the scorer serves
 * it. A teacher caps what its students can learn (a teacher barely better than the student
 * was measured to make the distilled student worse), hence the quality bar on the defaults of
 * {@link dev.distill.trainer.teacher.TeacherOptions}.
 */
package dev.distill.trainer.teacher;
