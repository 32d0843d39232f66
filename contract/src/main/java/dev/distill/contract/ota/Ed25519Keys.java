package dev.distill.contract.ota;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * Ed25519 keys as the OTA protocol names and stores them: the raw 32-byte public key (what
 * other languages' libraries take), a key id derived from it, and PEM files (PKCS#8 private,
 * X.509 public) that OpenSSL reads too.
 */
public final class Ed25519Keys {
  public static final String ALGORITHM = "Ed25519";
  /** The fixed X.509 SubjectPublicKeyInfo prefix of an Ed25519 key (RFC 8410); the raw key follows. */
  private static final byte[] SPKI_PREFIX = {
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00
  };

  private Ed25519Keys() {}

  public static KeyPair generate() {
    try {
      return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM has no Ed25519", e);
    }
  }

  /** The 32 raw bytes of a public key. */
  public static byte[] raw(PublicKey key) {
    byte[] spki = key.getEncoded();
    if (spki.length != SPKI_PREFIX.length + 32
        || !Arrays.equals(Arrays.copyOf(spki, SPKI_PREFIX.length), SPKI_PREFIX)) {
      throw new IllegalArgumentException("not an Ed25519 public key: " + key.getAlgorithm());
    }
    return Arrays.copyOfRange(spki, SPKI_PREFIX.length, spki.length);
  }

  public static PublicKey publicKey(byte[] raw) {
    if (raw.length != 32) {
      throw new IllegalArgumentException("an Ed25519 public key has 32 bytes, got " + raw.length);
    }
    byte[] spki = Arrays.copyOf(SPKI_PREFIX, SPKI_PREFIX.length + 32);
    System.arraycopy(raw, 0, spki, SPKI_PREFIX.length, 32);
    try {
      return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(spki));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not an Ed25519 public key", e);
    }
  }

  /** First 16 hex digits of sha256(raw public key): short, and the same in every language. */
  public static String keyId(PublicKey key) {
    try {
      return Manifest.hex(MessageDigest.getInstance("SHA-256").digest(raw(key))).substring(0, 16);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Reads a key pair from its two PEM files (the JDK's PKCS#8 keeps no public part, hence two
   * files). The two must belong together: a publisher that signed with one key and announced
   * another would have every manifest refused by every device.
   *
   * @throws IOException when a file cannot be read, or the public key is not the private key's own
   */
  public static KeyPair load(Path privatePem, Path publicPem) throws IOException {
    PrivateKey priv = privateKey(Files.readString(privatePem));
    PublicKey pub = publicKeyPem(Files.readString(publicPem));
    KeyPair pair = new KeyPair(pub, priv);
    if (!matches(pair)) {
      throw new IOException(publicPem + " is not the public key of " + privatePem + " (key id " + keyId(pub)
          + "): restore the matching .pub, or move both files away to create a new pair");
    }
    return pair;
  }

  /** True when the public key verifies what the private key signs (Ed25519 keys cannot be compared directly in the JDK). */
  public static boolean matches(KeyPair pair) {
    byte[] probe = "distill key pair check".getBytes(StandardCharsets.US_ASCII);
    return verify(pair.getPublic(), probe, sign(pair.getPrivate(), probe));
  }

  /**
   * Loads the key pair at {@code privatePem} (public key beside it, {@code .pub}), or creates
   * and stores a new one when the private key file does not exist.
   */
  public static KeyPair loadOrCreate(Path privatePem) throws IOException {
    Path publicPem = publicPemOf(privatePem);
    if (Files.exists(privatePem)) {
      if (!Files.exists(publicPem)) {
        throw new IOException(privatePem + " exists but its public key " + publicPem + " does not");
      }
      return load(privatePem, publicPem);
    }
    return create(privatePem);
  }

  /** Where the public key of {@code privatePem} is kept: beside it, with {@code .pub} appended. */
  public static Path publicPemOf(Path privatePem) {
    return privatePem.resolveSibling(privatePem.getFileName() + ".pub");
  }

  /**
   * Creates a new key pair at {@code privatePem} (mode 0600) and its {@code .pub}.
   *
   * @throws java.nio.file.FileAlreadyExistsException when either file exists: a key is never overwritten
   */
  public static KeyPair create(Path privatePem) throws IOException {
    Path publicPem = publicPemOf(privatePem);
    for (Path p : new Path[] {privatePem, publicPem}) {
      if (Files.exists(p)) {
        throw new java.nio.file.FileAlreadyExistsException(p.toString(), null, "a key is never overwritten");
      }
    }
    KeyPair kp = generate();
    if (privatePem.toAbsolutePath().getParent() != null) {
      Files.createDirectories(privatePem.toAbsolutePath().getParent());
    }
    writeAtomically(publicPem, pem("PUBLIC KEY", kp.getPublic().getEncoded()), false);
    writeAtomically(privatePem, pem("PRIVATE KEY", kp.getPrivate().getEncoded()), true);
    return kp;
  }

  /** A pure Ed25519 signature (64 bytes) over {@code data}. */
  public static byte[] sign(PrivateKey key, byte[] data) {
    try {
      java.security.Signature s = java.security.Signature.getInstance(ALGORITHM);
      s.initSign(key);
      s.update(data);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign with this key", e);
    }
  }

  /** True when {@code signature} is a valid 64-byte signature of {@code data} under {@code key}. */
  public static boolean verify(PublicKey key, byte[] data, byte[] signature) {
    if (signature.length != 64) {
      return false;
    }
    try {
      java.security.Signature s = java.security.Signature.getInstance(ALGORITHM);
      s.initVerify(key);
      s.update(data);
      return s.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  public static PrivateKey privateKey(String pem) {
    try {
      return KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(unpem(pem, "PRIVATE KEY")));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not an Ed25519 private key (PKCS#8 PEM)", e);
    }
  }

  public static PublicKey publicKeyPem(String pem) {
    try {
      return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(unpem(pem, "PUBLIC KEY")));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not an Ed25519 public key (X.509 PEM)", e);
    }
  }

  public static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  private static byte[] unpem(String pem, String type) {
    String begin = "-----BEGIN " + type + "-----";
    String end = "-----END " + type + "-----";
    int b = pem.indexOf(begin);
    int e = pem.indexOf(end);
    if (b < 0 || e < b) {
      throw new IllegalArgumentException("no " + type + " PEM block");
    }
    return Base64.getMimeDecoder().decode(pem.substring(b + begin.length(), e));
  }

  private static void writeAtomically(Path target, String content, boolean secret) throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    Files.writeString(tmp, content);
    if (secret) {
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException notPosix) {
        // best effort on file systems without POSIX permissions
      }
    }
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
