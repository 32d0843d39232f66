package dev.distill.contract.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.util.JsonFormat;
import dev.distill.contract.proto.Sample;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Samples written by protobuf's own JSON printer (what producers in other languages send) decode as they were. */
class CanonicalJsonTest {
  @Test
  void aTwoInputTokenSampleFromTheCanonicalMappingDecodesToTheSameSample() throws Exception {
    Sample s = Sample.newBuilder().setId("t-1").setEventTimeMs(1_700_000_000_123L).setLabel(2).setSource("text")
        .putTensors("input_ids", Tensors.int64(new long[] {5, 9, 1L << 33, 0}, 4))
        .putTensors("attention_mask", Tensors.int64(new long[] {1, 1, 1, 0}, 4))
        .build();
    String json = JsonFormat.printer().print(s);
    assertThat(json).contains("\"eventTimeMs\": \"1700000000123\"").contains("\"dtype\": \"INT64\"");
    Sample back = Samples.decode(json.getBytes(StandardCharsets.UTF_8), ContentType.JSON);
    assertThat(back).isEqualTo(s);
  }

  @Test
  void everyDtypeSurvivesTheCanonicalMappingAndOurNumbersForm() throws Exception {
    Sample s = Sample.newBuilder().setId("d")
        .putTensors("u8", Tensors.uint8(new byte[] {0, (byte) 255}, 2))
        .putTensors("i32", Tensors.int32(new int[] {-7, 1 << 30}, 2))
        .putTensors("f16", Tensors.float16(new float[] {0.5f, -3f}, 2))
        .putTensors("f32", Tensors.float32(new float[] {0.25f, 1e-3f}, 1, 2))
        .build();
    assertThat(Samples.decode(JsonFormat.printer().print(s).getBytes(StandardCharsets.UTF_8), ContentType.JSON))
        .isEqualTo(s);
    assertThat(Samples.decode(SampleJson.toJson(s).getBytes(StandardCharsets.UTF_8), ContentType.JSON)).isEqualTo(s);
  }

  @Test
  void featuresAndTensorsTogetherAreRefused() {
    String json = "{\"id\":\"x\",\"features\":{\"dtype\":\"uint8\",\"shape\":[1],\"data\":[1]},"
        + "\"tensors\":{\"a\":{\"dtype\":\"uint8\",\"shape\":[1],\"data\":[1]}}}";
    assertThatThrownBy(() -> Samples.decode(json.getBytes(StandardCharsets.UTF_8), ContentType.JSON))
        .hasMessage("distill.v1.Sample.tensors: set either features or tensors, not both");
  }

  @Test
  void aShortNamedTensorNamesItsField() {
    String json = "{\"id\":\"x\",\"tensors\":{\"input_ids\":{\"dtype\":\"int64\",\"shape\":[3],\"data\":[1,2]}}}";
    assertThatThrownBy(() -> Samples.decode(json.getBytes(StandardCharsets.UTF_8), ContentType.JSON))
        .hasMessage("distill.v1.Sample.tensors[input_ids].data: shape [3] of INT64 needs 24 bytes, got 16");
  }
}
