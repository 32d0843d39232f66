package dev.distill.contract.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.contract.proto.Sample;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SamplesTest {
  private static byte[] pixels() {
    byte[] b = new byte[6];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) (i * 50);
    }
    return b;
  }

  private static final Sample SAMPLE = Sample.newBuilder()
      .setId("s-1")
      .setEventTimeMs(1_700_000_000_000L)
      .setLabel(7)
      .setSource("test")
      .setFeatures(Tensors.uint8(pixels(), 2, 3))
      .build();

  private static Throwable decodeJson(String json) {
    try {
      Samples.decode(json.getBytes(StandardCharsets.UTF_8), ContentType.JSON);
      return null;
    } catch (MalformedMessageException e) {
      return e;
    }
  }

  @Test
  void jsonAndProtobufDecodeToTheSameSample() {
    byte[] json = SampleJson.toJson(SAMPLE).getBytes(StandardCharsets.UTF_8);
    Sample fromJson = Samples.decode(json, ContentType.JSON);
    Sample fromProto = Samples.decode(SAMPLE.toByteArray(), ContentType.PROTOBUF);
    assertThat(fromJson).isEqualTo(fromProto).isEqualTo(SAMPLE);
  }

  @Test
  void handWrittenJsonWithUnknownFieldsAndNoLabelDecodes() {
    String json = "{\"id\":\"k1\",\"futureField\":{\"x\":1},"
        + "\"features\":{\"dtype\":\"float32\",\"shape\":[2],\"data\":[0.5,-1.25]}}";
    Sample s = Samples.decode(json.getBytes(StandardCharsets.UTF_8), ContentType.JSON);
    assertThat(s.hasLabel()).isFalse();
    assertThat(Tensors.toFloats(s.getFeatures())).containsExactly(0.5f, -1.25f);
  }

  @Test
  void base64DataIsAcceptedInJson() {
    String json = "{\"id\":\"k\",\"features\":{\"dtype\":\"uint8\",\"shape\":[2,3],\"dataBase64\":\""
        + java.util.Base64.getEncoder().encodeToString(pixels()) + "\"}}";
    Sample s = Samples.decode(json.getBytes(StandardCharsets.UTF_8), ContentType.JSON);
    assertThat(s.getFeatures()).isEqualTo(SAMPLE.getFeatures());
  }

  @Test
  void garbageBytesAreReportedAsNotProtobuf() {
    byte[] garbage = {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01};
    assertThatThrownBy(() -> Samples.decode(garbage, ContentType.PROTOBUF))
        .isInstanceOf(MalformedMessageException.class)
        .hasMessageContaining("distill.v1.Sample")
        .hasMessageContaining("not a valid protobuf message (4 bytes)");
  }

  @Test
  void dataLengthThatDoesNotMatchTheShapeNamesTheField() {
    Sample bad = SAMPLE.toBuilder().setFeatures(Tensors.uint8(new byte[5], 2, 3)).build();
    assertThatThrownBy(() -> Samples.decode(bad.toByteArray(), ContentType.PROTOBUF))
        .isInstanceOfSatisfying(MalformedMessageException.class, e -> {
          assertThat(e.field()).isEqualTo("features.data");
          assertThat(e.problem()).isEqualTo("shape [2, 3] of UINT8 needs 6 bytes, got 5");
        });
  }

  @Test
  void nanFeaturesAreRejected() {
    Sample bad = SAMPLE.toBuilder().setFeatures(Tensors.float32(new float[] {1f, Float.NaN}, 2)).build();
    assertThatThrownBy(() -> Samples.decode(bad.toByteArray(), ContentType.PROTOBUF))
        .isInstanceOfSatisfying(MalformedMessageException.class,
            e -> assertThat(e.getMessage()).isEqualTo("distill.v1.Sample.features.data: element 1 is NaN (must be finite)"));
  }

  @Test
  void missingIdAndNegativeLabelAreNamed() {
    assertThat(decodeJson("{\"features\":{\"dtype\":\"uint8\",\"shape\":[1],\"data\":[1]}}"))
        .hasMessage("distill.v1.Sample.id: is missing");
    assertThat(decodeJson("{\"id\":\"a\",\"label\":-2,\"features\":{\"dtype\":\"uint8\",\"shape\":[1],\"data\":[1]}}"))
        .hasMessage("distill.v1.Sample.label: must be >= 0, got -2");
  }

  @Test
  void jsonErrorsSayWhatWasWrongAndWhere() {
    assertThat(decodeJson("{\"id\": ")).hasMessageStartingWith("distill.v1.Sample: not valid JSON");
    assertThat(decodeJson("[1,2]")).hasMessage("distill.v1.Sample: JSON sample must be an object");
    assertThat(decodeJson("{\"id\":\"a\",\"features\":{\"dtype\":\"complex64\",\"shape\":[1],\"data\":[1]}}"))
        .hasMessage("distill.v1.Sample.features.dtype: unsupported dtype 'complex64' (uint8, int32, int64, float16 or float32)");
    assertThat(decodeJson("{\"id\":\"a\",\"features\":{\"dtype\":\"uint8\",\"shape\":[2],\"data\":[1,300]}}"))
        .hasMessage("distill.v1.Sample.features.data[1]: must be an integer 0..255 for uint8, got 300");
    assertThat(decodeJson("{\"id\":\"a\",\"features\":{\"dtype\":\"uint8\",\"shape\":[0],\"data\":[]}}"))
        .hasMessageStartingWith("distill.v1.Sample.features.shape: dimensions must be positive");
  }

  @Test
  void contentTypeHeaderChoosesTheEncoding() {
    assertThat(ContentType.fromHeader(null)).isEqualTo(ContentType.PROTOBUF);
    assertThat(ContentType.fromHeader("application/json; charset=utf-8")).isEqualTo(ContentType.JSON);
    assertThatThrownBy(() -> ContentType.fromHeader("text/csv"))
        .hasMessageContaining("unsupported content-type 'text/csv'");
  }
}
