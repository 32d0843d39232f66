package dev.distill.contract.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ArchitectureTest {
  @Test
  void anMlpSpecNamesInputHiddenLayersAndClasses() {
    Architecture a = Architecture.parse("mlp:784-800-800-10");
    assertThat(a).isEqualTo(new Architecture.Mlp(784, List.of(800, 800), 10));
    assertThat(a.inputSize()).isEqualTo(784);
    assertThat(a.classes()).isEqualTo(10);
  }

  @Test
  void anMlpWithoutHiddenLayersIsALinearClassifier() {
    assertThat(Architecture.parse("mlp:784-10")).isEqualTo(new Architecture.Mlp(784, List.of(), 10));
  }

  @Test
  void aCnnSpecNamesImageSizeConvLayersDenseLayersAndClasses() {
    Architecture.Cnn cnn = (Architecture.Cnn) Architecture.parse("cnn:28x28-c32-c64-f256-10");
    assertThat(cnn).isEqualTo(new Architecture.Cnn(28, 28, List.of(32, 64), List.of(256), 10));
    assertThat(cnn.inputSize()).isEqualTo(784);
    assertThat(cnn.classes()).isEqualTo(10);
    // two 2x2 pools: 28 -> 14 -> 7
    assertThat(cnn.pooledHeight()).isEqualTo(7);
    assertThat(cnn.pooledWidth()).isEqualTo(7);
    assertThat(cnn.flattenedSize()).isEqualTo(64 * 7 * 7);
  }

  @Test
  void poolingRoundsOddSizesDown() {
    Architecture.Cnn cnn = (Architecture.Cnn) Architecture.parse("cnn:28x28-c8-c8-c16-10");
    assertThat(cnn.pooledHeight()).isEqualTo(3); // 28 -> 14 -> 7 -> 3
    assertThat(cnn.flattenedSize()).isEqualTo(16 * 3 * 3);
  }

  @Test
  void aCnnHasChannelsAndOptionalBatchNorm() {
    Architecture.Cnn cnn = (Architecture.Cnn) Architecture.parse("cnn:3x32x32-c16bn-c32-f64-10");
    assertThat(cnn.channels()).isEqualTo(3);
    assertThat(cnn.convs()).containsExactly(new Architecture.Cnn.Conv(16, true), new Architecture.Cnn.Conv(32, false));
    assertThat(cnn.inputSize()).isEqualTo(3 * 32 * 32);
    assertThat(cnn.flattenedSize()).isEqualTo(32 * 8 * 8);
  }

  @Test
  void anOldCnnSpecIsOneChannelWithoutBatchNorm() {
    Architecture old = Architecture.parse("cnn:28x28-c32-c64-f256-10");
    assertThat(Architecture.parse("cnn:1x28x28-c32-c64-f256-10")).isEqualTo(old);
    assertThat(((Architecture.Cnn) old).convs()).noneMatch(Architecture.Cnn.Conv::batchNorm);
    assertThat(Architecture.parse("cnn:1x28x28-c32-c64-f256-10").spec()).isEqualTo("cnn:28x28-c32-c64-f256-10");
  }

  @Test
  void aTokenNetworkHasAVocabularyAnEmbeddingAndDenseLayers() {
    assertThat(Architecture.parse("tok:64-e16-f32-4")).isEqualTo(new Architecture.Tok(64, 16, List.of(32), 4));
    assertThat(Architecture.parse("tok:64-e16-f32-4").classes()).isEqualTo(4);
    assertThat(Architecture.parse("tok:64-e16-4").inputSize()).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"mlp:784-800-800-10", "mlp:4-2", "cnn:28x28-c32-c64-f256-10", "cnn:6x8-c3-4",
      "cnn:3x32x32-c16bn-c32bn-f64-10", "cnn:28x28-c8bn-c16-f32-10", "tok:64-e16-f32-4", "tok:100-e8-3"})
  void theSpecStringRoundTrips(String spec) {
    Architecture a = Architecture.parse(spec);
    assertThat(a.spec()).isEqualTo(spec);
    assertThat(a).hasToString(spec);
    assertThat(Architecture.parse(a.spec())).isEqualTo(a);
  }

  @Test
  void caseAndSurroundingBlanksAreIgnored() {
    assertThat(Architecture.parse("  MLP:784-10 ").spec()).isEqualTo("mlp:784-10");
  }

  @Test
  void anUnknownKindNamesTheKnownOnes() {
    assertThatThrownBy(() -> Architecture.parse("resnet:18"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("architecture 'resnet:18' is not valid: it must start with 'mlp:', 'cnn:' or 'tok:'")
        .hasMessageContaining("mlp:784-800-800-10");
  }

  @Test
  void badSpecsSayWhatIsWrong() {
    assertThat(message("mlp:784")).contains("at least an input size and a number of classes");
    assertThat(message("mlp:784-abc-10")).contains("'abc' is not a layer size");
    assertThat(message("mlp:784--10")).contains("'' is not a layer size");
    assertThat(message("mlp:784-0-10")).contains("hidden layer size must be at least 1, got 0");
    assertThat(message("mlp:99999999999-10")).contains("is not a layer size");
    assertThat(message("cnn:28-c32-10")).contains("starts with the image size HxW");
    assertThat(message("cnn:28x28-f256-10")).contains("at least one conv layer");
    assertThat(message("cnn:28x28-10")).contains("conv layers (cK)");
    assertThat(message("cnn:28x28-f256-c32-10")).contains("'c32' is neither a conv layer");
    assertThat(message("cnn:28x28-x3-c32-10")).contains("'x3' is neither");
    assertThat(message("cnn:4x4-c1-c1-c1-10")).contains("pool a 4x4 image down to nothing");
    assertThat(message("cnn:3x28x28-c8b-10")).contains("'c8b' is neither");
    assertThat(message("cnn:0x28x28-c8-10")).contains("image channels must be at least 1");
    assertThat(message("tok:64-16-4")).contains("an embedding size (eK)");
    assertThat(message("tok:64-e16-c8-4")).contains("'c8' is not a dense layer");
    assertThat(message("tok:0-e16-4")).contains("vocabulary size must be at least 1");
    assertThat(message("")).contains("must start with");
    assertThat(message(null)).contains("must start with");
  }

  private static String message(String spec) {
    try {
      Architecture.parse(spec);
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
    throw new AssertionError("'" + spec + "' was accepted");
  }
}
