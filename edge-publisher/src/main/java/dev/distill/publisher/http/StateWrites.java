package dev.distill.publisher.http;

import dev.distill.publisher.state.StateLog.StateWriteException;

/** A state change a request asks for, with the failures of writing it answered as API errors. */
final class StateWrites {
  private StateWrites() {}

  interface Write {
    void run() throws StateWriteException;
  }

  static void write(Write w) {
    try {
      w.run();
    } catch (StateWriteException e) {
      throw new ApiException(ErrorCode.STATE_UNAVAILABLE, "cannot record the change: " + e.getMessage());
    }
  }
}
