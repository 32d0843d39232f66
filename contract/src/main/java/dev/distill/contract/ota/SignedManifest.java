package dev.distill.contract.ota;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The envelope a manifest travels in (JSON): the canonical bytes, base64, an Ed25519 signature
 * over exactly those bytes by the key named by {@code keyId}, and that key's certificate from
 * the root, so that a device needs nothing else to decide whether to trust the key.
 *
 * @param payload standard base64 of {@link Manifest#canonicalBytes()}
 * @param keyId {@link Ed25519Keys#keyId} of the signing key
 * @param signature standard base64 of the 64-byte Ed25519 signature
 * @param certificate the root-signed {@link KeyCertificate} of the signing key (role publisher)
 * @param image the trainer's signed statement of the artifact the manifest names, passed on by
 *     the publisher unchanged (not covered by the publisher's signature: it has its own)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SignedManifest(String payload, String keyId, String signature, SignedDocument certificate, SignedImage image) {
  /** The same manifest carrying {@code image} instead. */
  public SignedManifest withImage(SignedImage image) {
    return new SignedManifest(payload, keyId, signature, certificate, image);
  }
}
