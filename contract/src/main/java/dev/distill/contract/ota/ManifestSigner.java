package dev.distill.contract.ota;

import java.security.KeyPair;
import java.security.PublicKey;
import java.util.Base64;

/** Signs manifests with the publisher's Ed25519 key and attaches its certificate. Thread-safe. */
public final class ManifestSigner {
  private final KeyPair keys;
  private final String keyId;
  private final SignedDocument certificate;

  /** @param certificate the root's certificate of {@code keys} (null: devices will refuse every manifest) */
  public ManifestSigner(KeyPair keys, SignedDocument certificate) {
    this.keys = keys;
    this.keyId = Ed25519Keys.keyId(keys.getPublic());
    this.certificate = certificate;
  }

  public String keyId() {
    return keyId;
  }

  public PublicKey publicKey() {
    return keys.getPublic();
  }

  public SignedDocument certificate() {
    return certificate;
  }

  /**
   * @param image the trainer's signed statement of the manifest's artifact (the version carries
   *     it); null only for a manifest no device will install
   */
  public SignedManifest sign(Manifest manifest, SignedImage image) {
    byte[] payload = manifest.canonicalBytes();
    Base64.Encoder b64 = Base64.getEncoder();
    return new SignedManifest(b64.encodeToString(payload), keyId, b64.encodeToString(Ed25519Keys.sign(keys.getPrivate(), payload)),
        certificate, image);
  }
}
