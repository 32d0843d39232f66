package dev.distill.contract.wire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.contract.proto.Sample;
import dev.distill.contract.proto.SoftTarget;
import dev.distill.contract.proto.TopK;
import dev.distill.contract.testing.Allocations;
import dev.distill.contract.testing.Allocations.Outcome;
import dev.distill.contract.testing.Mutations;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Random and mutated bytes into every record decoder of the wire contract: each answer is a
 * checked value or a {@link MalformedMessageException} naming the problem (what sends a record to
 * a dead-letter topic), never another exception, and no input makes a decoder allocate more than
 * {@link #bound} of its length: a record cannot choose how much memory it costs.
 */
class DecoderPropertiesTest {
  static final byte[] SAMPLE = Sample.newBuilder().setId("mnist-00042").setLabel(7)
      .setFeatures(Tensors.uint8(pixels(), 28, 28)).build().toByteArray();
  static final byte[] SAMPLE_JSON = SampleJson.toJson(Sample.newBuilder().setId("s-1").setLabel(3)
      .setFeatures(Tensors.float32(new float[] {0f, 0.5f, 1f, 0.25f}, 2, 2)).build()).getBytes(StandardCharsets.UTF_8);
  static final byte[] SOFT_TARGET = SoftTarget.newBuilder().setSampleId("s-1").setNumClasses(10).setTemperature(4)
      .setLabel(3).setFeatures(Tensors.uint8(new byte[16], 4, 4))
      .setTopK(TopK.newBuilder().addIndices(3).addProbs(0.7f).addIndices(5).addProbs(0.2f).setResidual(0.1f)).build()
      .toByteArray();

  static byte[] pixels() {
    byte[] p = new byte[784];
    for (int i = 0; i < p.length; i++) {
      p[i] = (byte) (i * 31);
    }
    return p;
  }

  /**
   * A decoder may allocate a small multiple of its input and a fixed allowance of 16 MiB: the
   * largest soft target ({@link SoftTargets#MAX_CLASSES} classes) is made dense twice here, 5 MiB
   * each with its bookkeeping.
   */
  static long bound(int inputLength) {
    return 64L * inputLength + (16L << 20);
  }

  static <T> void malformedOrValid(byte[] input, Callable<T> decoder) {
    Outcome<T> o = Allocations.run(decoder);
    if (o.thrown() != null) {
      assertThat(o.thrown()).as("what %d bytes made the decoder throw", input.length)
          .isInstanceOf(MalformedMessageException.class);
      assertThat(o.thrown().getMessage()).isNotBlank();
    }
    assertThat(o.allocatedBytes()).as("bytes allocated for %d bytes of input", input.length)
        .isLessThanOrEqualTo(bound(input.length));
  }

  @Provide
  Arbitrary<byte[]> mutatedSamples() {
    return Mutations.of(SAMPLE);
  }

  @Provide
  Arbitrary<byte[]> mutatedJsonSamples() {
    return Mutations.of(SAMPLE_JSON);
  }

  @Provide
  Arbitrary<byte[]> mutatedSoftTargets() {
    return Mutations.of(SOFT_TARGET);
  }

  @Provide
  Arbitrary<byte[]> jsonish() {
    return Arbitraries.strings().withChars("{}[]:,\"0123456789.eE-+ abcdefghijklmnopqrstuvwxyz_\\ntrufalsenul")
        .ofMaxLength(512).map(s -> s.getBytes(StandardCharsets.UTF_8));
  }

  @Property(tries = 500)
  void randomBytesAreASampleOrMalformed(@ForAll @Size(max = 2048) byte[] bytes) {
    malformedOrValid(bytes, () -> Samples.decode(bytes, ContentType.PROTOBUF));
    malformedOrValid(bytes, () -> Samples.decode(bytes, ContentType.JSON));
  }

  @Property(tries = 1000)
  void mutatedSamplesAreASampleOrMalformed(@ForAll("mutatedSamples") byte[] bytes) {
    malformedOrValid(bytes, () -> Samples.decode(bytes, ContentType.PROTOBUF));
  }

  @Property(tries = 1000)
  void mutatedJsonSamplesAreASampleOrMalformed(@ForAll("mutatedJsonSamples") byte[] bytes) {
    malformedOrValid(bytes, () -> Samples.decode(bytes, ContentType.JSON));
  }

  @Property(tries = 500)
  void jsonLikeTextIsASampleOrMalformed(@ForAll("jsonish") byte[] bytes) {
    malformedOrValid(bytes, () -> Samples.decode(bytes, ContentType.JSON));
  }

  @Property(tries = 1000)
  void mutatedSoftTargetsAreASoftTargetOrMalformed(@ForAll("mutatedSoftTargets") byte[] bytes) {
    malformedOrValid(bytes, () -> SoftTargets.dense(SoftTargets.decode(bytes)));
  }

  @Property(tries = 300)
  void aSoftTargetCannotChooseItsVectorsSize(@ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int numClasses, @ForAll @IntRange(min = 0, max = 3) int listed) {
    TopK.Builder k = TopK.newBuilder();
    for (int i = 0; i < listed; i++) {
      k.addIndices(i).addProbs(1f / (listed + 1));
    }
    byte[] bytes = SoftTarget.newBuilder().setSampleId("s").setNumClasses(numClasses).setTemperature(1)
        .setFeatures(Tensors.uint8(new byte[4], 2, 2)).setTopK(k.setResidual(1f / (listed + 1))).build().toByteArray();
    malformedOrValid(bytes, () -> SoftTargets.dense(SoftTargets.decode(bytes)));
  }

  @Property(tries = 200)
  void aTensorCannotChooseItsSizeByItsShape(@ForAll @Size(min = 1, max = 4) List<Integer> dims) {
    Sample.Builder s = Sample.newBuilder().setId("s");
    s.getFeaturesBuilder().setDtype(dev.distill.contract.proto.DType.FLOAT32).addAllShape(dims);
    byte[] bytes = s.build().toByteArray();
    malformedOrValid(bytes, () -> Samples.decode(bytes, ContentType.PROTOBUF));
  }
}
