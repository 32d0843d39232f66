package dev.distill.publisher.http;

import dev.distill.contract.proto.Rollout;
import dev.distill.publisher.rollout.RolloutException;
import dev.distill.publisher.state.StateLog.StateWriteException;

/** A state change a request asks for, with the failures of writing it answered as API errors. */
final class StateWrites {
  private StateWrites() {}

  interface Write {
    void run() throws StateWriteException;
  }

  interface RolloutCall {
    Rollout run() throws RolloutException, StateWriteException;
  }

  static void write(Write w) {
    try {
      w.run();
    } catch (StateWriteException e) {
      throw new ApiException(ErrorCode.STATE_UNAVAILABLE, "cannot record the change: " + e.getMessage());
    }
  }

  static Rollout rollout(RolloutCall call) {
    try {
      return call.run();
    } catch (RolloutException e) {
      throw new ApiException(switch (e.kind()) {
        case UNKNOWN_MODEL -> ErrorCode.UNKNOWN_MODEL;
        case UNKNOWN_VERSION -> ErrorCode.UNKNOWN_VERSION;
        case CONFLICT -> ErrorCode.ROLLOUT_CONFLICT;
      }, e.getMessage());
    } catch (StateWriteException e) {
      throw new ApiException(ErrorCode.STATE_UNAVAILABLE, "cannot record the change: " + e.getMessage());
    }
  }
}
