package dev.distill.scorer.teacher;

/** A teacher version on disk that cannot be used: unreadable, or not shaped as the model interface says. */
public class TeacherLoadException extends Exception {
  private static final long serialVersionUID = 1L;

  public TeacherLoadException(String message) {
    super(message);
  }

  public TeacherLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
