package dev.distill.contract.ota;

import java.security.KeyPair;
import java.time.Instant;
import java.util.Base64;

/** Signs image statements with the trainer's Ed25519 key and attaches its certificate. Thread-safe. */
public final class ImageSigner {
  private final KeyPair keys;
  private final String keyId;
  private final SignedDocument certificate;

  /** @param certificate the root's certificate of {@code keys} for the image role */
  public ImageSigner(KeyPair keys, SignedDocument certificate) {
    this.keys = keys;
    this.keyId = Ed25519Keys.keyId(keys.getPublic());
    this.certificate = certificate;
  }

  /** A new key certified by {@code root} for the image role from {@code issued} for {@code validity}: for tests. */
  public static ImageSigner certifiedBy(RootAuthority root, Instant issued, java.time.Duration validity) {
    KeyPair key = Ed25519Keys.generate();
    return new ImageSigner(key, root.certify(key.getPublic(), KeyRole.IMAGE, issued, validity));
  }

  public String keyId() {
    return keyId;
  }

  public SignedDocument certificate() {
    return certificate;
  }

  public SignedImage sign(ImageStatement statement) {
    byte[] payload = statement.canonicalBytes();
    Base64.Encoder b64 = Base64.getEncoder();
    return new SignedImage(b64.encodeToString(payload), keyId, b64.encodeToString(Ed25519Keys.sign(keys.getPrivate(), payload)),
        certificate);
  }
}
