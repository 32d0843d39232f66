package dev.distill.publisher.sign;

import java.nio.file.Path;

/**
 * Where the publisher's signing identity is kept.
 *
 * @param key PKCS#8 PEM of the Ed25519 private key, its public key beside it ({@code .pub});
 *     created on first start
 * @param certificate the root's certificate of that key (role publisher); null for the dev
 *     mode, where a local dev root beside the key certifies it
 * @param rootPublicKey the root's public key (X.509 PEM) that signed the certificate and the
 *     revocation list; null exactly when {@code certificate} is
 * @param revocations the newest root-signed revocation list, served to devices; null for none
 */
public record SigningFiles(Path key, Path certificate, Path rootPublicKey, Path revocations) {
  /** Which of the files a problem is about. */
  public enum Field { KEY, CERTIFICATE, ROOT_PUBLIC_KEY, REVOCATIONS }

  /** One thing wrong with a file: the field, the path as configured, what was expected instead. */
  public record Problem(Field field, String value, String expected) {}

  public boolean devMode() {
    return certificate == null;
  }

  /** The dev root's private key in dev mode: beside the signing key. */
  public Path devRoot() {
    return key.resolveSibling("root.pem");
  }
}
