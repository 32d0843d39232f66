/**
 * Staged rollouts: which version each device should run (waves of the fleet in a fixed hash
 * order), the gates that advance a wave or roll it back (device-reported failure rate and
 * on-device accuracy against the last good version), and the operator's pause, resume,
 * abort and pin. Decisions are pure functions of the fleet view and the clock, so every
 * replica that judges reaches the same verdict.
 */
package dev.distill.publisher.rollout;
