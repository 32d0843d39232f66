/**
 * The publisher's view of the fleet: model versions, registered devices, rollouts and the
 * latest device reports. Every change goes through a {@link dev.distill.publisher.state.StateLog}
 * (Kafka topics in production), and every replica rebuilds the same view by replaying those
 * topics, so any replica can answer any device. The view itself is plain memory, rebuilt at
 * start-up. Rollout states are applied in revision order, never by their timestamps.
 */
package dev.distill.publisher.state;
