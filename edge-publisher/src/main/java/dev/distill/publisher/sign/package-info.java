/**
 * The publisher's signing side: its Ed25519 key (generated on first start, kept in a file)
 * and the issuing of short-lived signed manifests. A manifest is the same for every device of
 * a rollout, so one signature serves a whole fleet until it is half-way to expiry.
 */
package dev.distill.publisher.sign;
