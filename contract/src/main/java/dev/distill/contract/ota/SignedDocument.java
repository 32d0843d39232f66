package dev.distill.contract.ota;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.contract.ota.ManifestRejectedException.Reason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.Base64;

/**
 * A root-signed document (a {@link KeyCertificate} or a {@link RevocationList}) as it travels
 * in JSON and as it is stored in a file: its canonical bytes, the signing key's id and the
 * Ed25519 signature over exactly those bytes. The same shape as {@link SignedManifest}, without
 * a certificate: the root is pinned, not certified.
 *
 * @param payload standard base64 of the canonical bytes
 * @param keyId {@link Ed25519Keys#keyId} of the signing key
 * @param signature standard base64 of the 64-byte Ed25519 signature
 */
public record SignedDocument(String payload, String keyId, String signature) {
  private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  public static SignedDocument sign(KeyPair signer, byte[] canonicalBytes) {
    Base64.Encoder b64 = Base64.getEncoder();
    return new SignedDocument(b64.encodeToString(canonicalBytes), Ed25519Keys.keyId(signer.getPublic()),
        b64.encodeToString(Ed25519Keys.sign(signer.getPrivate(), canonicalBytes)));
  }

  /** The payload after its signature has been checked under {@code key}; nothing is parsed before. */
  byte[] verifiedPayload(PublicKey key, Reason badSignature, String what) throws ManifestRejectedException {
    return verifiedPayload(payload, signature, key, badSignature, what);
  }

  /** Decodes and checks a payload and its signature (documents and manifests alike). */
  static byte[] verifiedPayload(String payload, String signature, PublicKey key, Reason badSignature, String what)
      throws ManifestRejectedException {
    if (payload == null || signature == null) {
      throw new ManifestRejectedException(Reason.MALFORMED, what + ": payload or signature missing");
    }
    byte[] bytes;
    byte[] sig;
    try {
      bytes = Base64.getDecoder().decode(payload);
      sig = Base64.getDecoder().decode(signature);
    } catch (IllegalArgumentException e) {
      throw new ManifestRejectedException(Reason.MALFORMED, what + " is not base64: " + e.getMessage());
    }
    if (!Ed25519Keys.verify(key, bytes, sig)) {
      throw new ManifestRejectedException(badSignature, "the signature of the " + what + " does not match it under key "
          + Ed25519Keys.keyId(key));
    }
    return bytes;
  }

  /** Reads a document file (the JSON written by {@link #write}); its signature is not checked here. */
  public static SignedDocument read(Path file) throws IOException {
    try {
      SignedDocument d = JSON.readValue(Files.readString(file, StandardCharsets.UTF_8), SignedDocument.class);
      if (d == null || d.payload() == null || d.keyId() == null || d.signature() == null) {
        throw new IOException(file + " lacks payload, keyId or signature");
      }
      return d;
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new IOException(file + " is not a signed document (JSON with payload, keyId, signature): "
          + e.getOriginalMessage(), e);
    }
  }

  /** Writes the document as one JSON object; the file is replaced atomically. */
  public void write(Path file) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, JSON.writeValueAsString(this) + "\n", StandardCharsets.UTF_8);
    Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  /** The payload's bytes, unchecked: for showing a document, never for trusting it. */
  public byte[] unverifiedPayload() {
    return Base64.getDecoder().decode(payload);
  }
}
