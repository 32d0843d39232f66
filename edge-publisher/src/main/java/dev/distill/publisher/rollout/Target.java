package dev.distill.publisher.rollout;

/**
 * The version a device should run under a rollout.
 *
 * @param version 0 when there is nothing to run yet
 * @param rollback the publisher deliberately sends a version lower than this rollout offered
 */
public record Target(String model, long version, String rolloutId, boolean rollback) {
  public static Target none(String model) {
    return new Target(model, 0, "", false);
  }
}
