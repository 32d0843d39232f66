package dev.distill.contract.wire;

/**
 * A message that cannot be decoded or breaks the contract. It names the message type and
 * the field at fault, so that a dead-letter record or an HTTP error can say precisely what
 * was wrong.
 */
public class MalformedMessageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String messageType;
  private final String field;
  private final String problem;

  public MalformedMessageException(String messageType, String field, String problem) {
    this(messageType, field, problem, null);
  }

  public MalformedMessageException(
      String messageType, String field, String problem, Throwable cause) {
    super(messageType + (field.isEmpty() ? "" : "." + field) + ": " + problem, cause);
    this.messageType = messageType;
    this.field = field;
    this.problem = problem;
  }

  /** The protobuf full name, e.g. {@code distill.v1.Sample}. */
  public String messageType() {
    return messageType;
  }

  /** Dotted path of the offending field, empty when the whole message is unreadable. */
  public String field() {
    return field;
  }

  public String problem() {
    return problem;
  }
}
