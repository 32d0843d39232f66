package dev.distill.contract.ota;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Signature;
import java.util.Base64;

/** Signs manifests with the publisher's Ed25519 key. Thread-safe. */
public final class ManifestSigner {
  private final KeyPair keys;
  private final String keyId;

  public ManifestSigner(KeyPair keys) {
    this.keys = keys;
    this.keyId = Ed25519Keys.keyId(keys.getPublic());
  }

  public String keyId() {
    return keyId;
  }

  public java.security.PublicKey publicKey() {
    return keys.getPublic();
  }

  public SignedManifest sign(Manifest manifest) {
    byte[] payload = manifest.canonicalBytes();
    try {
      Signature s = Signature.getInstance(Ed25519Keys.ALGORITHM);
      s.initSign(keys.getPrivate());
      s.update(payload);
      Base64.Encoder b64 = Base64.getEncoder();
      return new SignedManifest(b64.encodeToString(payload), keyId, b64.encodeToString(s.sign()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign with " + keyId, e);
    }
  }
}
