package dev.distill.contract.ota;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.google.protobuf.ByteString;
import dev.distill.contract.proto.ImageSignature;
import dev.distill.contract.proto.RootSigned;
import java.util.Base64;

/**
 * The trainer's signed {@link ImageStatement} as it travels: in JSON inside a {@link SignedManifest}
 * (field {@code image}), and as {@link ImageSignature} in a {@code ModelVersion}. The same shape
 * as the manifest's envelope: the canonical bytes, the signing key's id, the signature, and the
 * root's certificate of the key (role image).
 *
 * @param payload standard base64 of {@link ImageStatement#canonicalBytes()}
 * @param keyId {@link Ed25519Keys#keyId} of the trainer's image key
 * @param signature standard base64 of the 64-byte Ed25519 signature
 * @param certificate the root-signed {@link KeyCertificate} of the image key
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SignedImage(String payload, String keyId, String signature, SignedDocument certificate) {

  /** The signature a model version carries; null when it carries none. */
  public static SignedImage fromProto(ImageSignature s) {
    if (s == null || s.getStatement().isEmpty()) {
      return null;
    }
    Base64.Encoder b64 = Base64.getEncoder();
    RootSigned c = s.getCertificate();
    SignedDocument cert = s.hasCertificate()
        ? new SignedDocument(b64.encodeToString(c.getPayload().toByteArray()), c.getKeyId(), b64.encodeToString(c.getSignature().toByteArray()))
        : null;
    return new SignedImage(b64.encodeToString(s.getStatement().toByteArray()), s.getKeyId(),
        b64.encodeToString(s.getSignature().toByteArray()), cert);
  }

  /** @throws IllegalArgumentException when a field is not base64 */
  public ImageSignature toProto() {
    Base64.Decoder b64 = Base64.getDecoder();
    ImageSignature.Builder b = ImageSignature.newBuilder().setStatement(ByteString.copyFrom(b64.decode(payload)))
        .setKeyId(keyId).setSignature(ByteString.copyFrom(b64.decode(signature)));
    if (certificate != null) {
      b.setCertificate(RootSigned.newBuilder().setPayload(ByteString.copyFrom(b64.decode(certificate.payload())))
          .setKeyId(certificate.keyId()).setSignature(ByteString.copyFrom(b64.decode(certificate.signature()))));
    }
    return b.build();
  }
}
