package dev.distill.scorer.teacher;

import dev.distill.contract.model.TeacherVersion;

/** Turns a version on disk into a runnable, validated {@link Teacher}. */
@FunctionalInterface
public interface TeacherLoader {
  Teacher load(TeacherVersion version) throws TeacherLoadException;
}
