package dev.distill.publisher.state;

import dev.distill.contract.proto.DeviceRecord;
import dev.distill.contract.proto.DeviceReport;

/**
 * Where state changes are written. The Kafka implementation appends to the topics and
 * applies the change to the local view once the broker has it (other replicas apply it when
 * they read it); the in-memory one applies at once (tests, single-process runs). Rollout state
 * has one writer, the rollout controller, and is not written through here (see
 * {@code rollout.RolloutController.Writer}).
 */
public interface StateLog extends AutoCloseable {
  /** Durable before it returns: a device must not get a token that a restart forgets. */
  void registerDevice(DeviceRecord device) throws StateWriteException;

  /** Durable before it returns (a tombstone on the devices topic): its token must not come back after a restart. */
  void deregisterDevice(String deviceId) throws StateWriteException;

  /** Stored (acknowledged by every in-sync replica) before it returns: a 202 means the report is kept. */
  void report(DeviceReport report) throws StateWriteException;

  /** True once the view reflects everything that was in the topics at start-up. */
  boolean caughtUp();

  @Override
  void close();

  /** The state could not be written (broker unreachable, timeout). */
  final class StateWriteException extends Exception {
    private static final long serialVersionUID = 1L;

    public StateWriteException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
