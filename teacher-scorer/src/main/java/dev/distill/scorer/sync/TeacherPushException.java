package dev.distill.scorer.sync;

/** A teacher version could not be pushed; the message is the one sentence a user needs. */
public class TeacherPushException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TeacherPushException(String message) {
    super(message);
  }

  public TeacherPushException(String message, Throwable cause) {
    super(message, cause);
  }
}
