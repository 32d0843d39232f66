package dev.distill.contract.ota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.contract.testing.Allocations;
import dev.distill.contract.testing.Allocations.Outcome;
import dev.distill.contract.testing.Mutations;
import java.security.KeyPair;
import java.util.Random;
import java.util.concurrent.Callable;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Mutated bytes into the OTA parsers a device runs on what the network hands it: the canonical
 * manifest and key certificate (parsed only after their signature is checked, but parsed strictly
 * all the same) and the delta decoder, which runs on unsigned bytes and is checked only by the
 * hash of its result. Each answers a value or its own refusal, never another exception, within a
 * stated allocation bound; a parsed canonical document re-encodes to exactly the bytes it came from.
 */
class OtaDecoderPropertiesTest {
  static final KeyPair KEY = Ed25519Keys.generate();
  static final byte[] MANIFEST = new Manifest("mnist-student", 7, "a".repeat(64), 1234, 1_767_225_600_000L,
      1_767_229_200_000L, "mnist-student:v7", true, 9).canonicalBytes();
  static final byte[] CERTIFICATE = KeyCertificate.of(KeyRole.PUBLISHER, KEY.getPublic(), "0123456789abcdef", 5,
      1_767_225_600_000L, 1_767_229_200_000L).canonicalBytes();
  static final byte[] BASE;
  static final byte[] TARGET;
  static final byte[] DELTA;

  static {
    Random r = new Random(3);
    BASE = DeltaCodecTest.mlp(DeltaCodecTest.gaussian(r, 64, 1), DeltaCodecTest.gaussian(r, 8, 1),
        DeltaCodecTest.gaussian(r, 16, 1), DeltaCodecTest.gaussian(r, 2, 1), 8, 8, 2, 1);
    TARGET = DeltaCodecTest.mlp(DeltaCodecTest.gaussian(r, 64, 1), DeltaCodecTest.gaussian(r, 8, 1),
        DeltaCodecTest.gaussian(r, 16, 1), DeltaCodecTest.gaussian(r, 2, 1), 8, 8, 2, 2);
    DELTA = DeltaCodec.encode(BASE, TARGET);
  }

  static <T> T valueOrRefusal(byte[] input, Class<? extends Exception> refusal, Callable<T> parser) {
    Outcome<T> o = Allocations.run(parser);
    if (o.thrown() != null) {
      assertThat(o.thrown()).as("what %d bytes made the parser throw", input.length).isInstanceOf(refusal);
    }
    assertThat(o.allocatedBytes()).as("bytes allocated for %d bytes of input", input.length)
        .isLessThanOrEqualTo(64L * input.length + (4L << 20));
    return o.value();
  }

  @Provide
  Arbitrary<byte[]> manifests() {
    return Mutations.of(MANIFEST);
  }

  @Provide
  Arbitrary<byte[]> certificates() {
    return Mutations.of(CERTIFICATE);
  }

  @Provide
  Arbitrary<byte[]> deltas() {
    return Mutations.of(DELTA);
  }

  @Property(tries = 1000)
  void aMutatedManifestIsRefusedOrIsExactlyItsCanonicalBytes(@ForAll("manifests") byte[] bytes) {
    Manifest m = valueOrRefusal(bytes, IllegalArgumentException.class, () -> Manifest.parse(bytes));
    if (m != null) {
      assertThat(m.canonicalBytes()).isEqualTo(bytes);
    }
  }

  @Property(tries = 1000)
  void aMutatedCertificateIsRefusedOrIsExactlyItsCanonicalBytes(@ForAll("certificates") byte[] bytes) {
    KeyCertificate c = valueOrRefusal(bytes, IllegalArgumentException.class, () -> KeyCertificate.parse(bytes));
    if (c != null) {
      assertThat(c.canonicalBytes()).isEqualTo(bytes);
    }
  }

  @Property(tries = 500)
  void aMutatedDeltaIsRefusedOrRebuildsExactlyTheTarget(@ForAll("deltas") byte[] bytes) {
    byte[] out = valueOrRefusal(bytes, DeltaCodec.DeltaException.class, () -> DeltaCodec.decode(BASE, bytes, TARGET.length));
    if (out != null) {
      // the decoder checks the result's hash against the target's named in the delta's header
      assertThat(out).isEqualTo(TARGET);
    }
  }

  @Property(tries = 300)
  void randomBytesAreNoManifestCertificateOrDelta(@ForAll byte[] bytes) {
    valueOrRefusal(bytes, IllegalArgumentException.class, () -> Manifest.parse(bytes));
    valueOrRefusal(bytes, IllegalArgumentException.class, () -> KeyCertificate.parse(bytes));
    valueOrRefusal(bytes, DeltaCodec.DeltaException.class, () -> DeltaCodec.decode(BASE, bytes, TARGET.length));
  }
}
