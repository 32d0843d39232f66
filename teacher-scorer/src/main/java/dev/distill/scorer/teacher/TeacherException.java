package dev.distill.scorer.teacher;

/** The inference runtime failed on a batch (not a property of the samples in it). */
public class TeacherException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TeacherException(String message, Throwable cause) {
    super(message, cause);
  }
}
