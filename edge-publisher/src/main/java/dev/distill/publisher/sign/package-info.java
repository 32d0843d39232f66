/**
 * The publisher's signing side: its Ed25519 key (generated on first start, kept in a file) with
 * the root's certificate of it and the newest revocation list (checked at start-up, served at
 * {@code /v1/keys}, the certificate attached to every manifest), and the issuing of
 * short-lived signed manifests. A manifest is the same for every device of a rollout, so one
 * signature serves a whole fleet until it is half-way to expiry.
 */
package dev.distill.publisher.sign;
