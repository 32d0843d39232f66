package dev.distill.contract.ota;

/**
 * The envelope a manifest travels in (JSON): the canonical bytes, base64, and an Ed25519
 * signature over exactly those bytes by the key named by {@code keyId}.
 *
 * @param payload standard base64 of {@link Manifest#canonicalBytes()}
 * @param keyId {@link Ed25519Keys#keyId} of the signing key
 * @param signature standard base64 of the 64-byte Ed25519 signature
 */
public record SignedManifest(String payload, String keyId, String signature) {}
