/**
 * The device agent: takes an assignment (pushed or polled), verifies its signed manifest
 * against the pinned publisher key, downloads (delta first, resumable full download after),
 * checks length and hash, installs into the inactive of two slots, health-checks the model
 * in ONNX Runtime and keeps it only if it answers, and reports what happened. Every refusal
 * has its own {@link dev.distill.client.agent.UpdateRejectedException.Reason} and leaves the
 * active model as it was.
 */
package dev.distill.client.agent;
