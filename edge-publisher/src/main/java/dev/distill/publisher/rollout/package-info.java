/**
 * Staged rollouts: which version each device should run (waves of the fleet in a fixed hash
 * order), the gates that advance a wave or roll it back (device-reported failure rate and
 * on-device accuracy against the last good version), and the operator's pause, resume,
 * abort and pin, carried to the controller as commands. Decisions are functions of the fleet
 * view and the clock, taken by one controller at a time, which numbers every state it writes
 * with the model's next revision.
 */
package dev.distill.publisher.rollout;
