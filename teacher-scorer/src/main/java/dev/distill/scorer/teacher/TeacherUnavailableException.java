package dev.distill.scorer.teacher;

/** The scorer cannot start: there is no usable teacher. The message is the one sentence a user needs. */
public class TeacherUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TeacherUnavailableException(String message) {
    super(message);
  }

  public TeacherUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
