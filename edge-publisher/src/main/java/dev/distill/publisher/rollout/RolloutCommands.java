package dev.distill.publisher.rollout;

import dev.distill.contract.proto.RolloutCommand;
import dev.distill.contract.proto.RolloutOutcome;
import dev.distill.publisher.state.StateLog.StateWriteException;

/**
 * Carries an operator's command to the one rollout controller and returns its outcome. With
 * Kafka the command is queued on the command topic and the outcome read back; in memory the
 * local controller applies it at once.
 */
public interface RolloutCommands {
  /**
   * @throws StateWriteException the command could not be queued
   * @throws NoControllerException queued, but no controller answered in time: it stays queued
   */
  RolloutOutcome submit(RolloutCommand command) throws StateWriteException, NoControllerException, InterruptedException;

  /** The command was queued but not answered in time; a controller will apply it when there is one. */
  final class NoControllerException extends Exception {
    private static final long serialVersionUID = 1L;

    public NoControllerException(String message) {
      super(message);
    }
  }
}
