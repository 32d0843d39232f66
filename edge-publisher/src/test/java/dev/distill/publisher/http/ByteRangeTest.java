package dev.distill.publisher.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ByteRangeTest {
  @Test
  void theThreeSingleRangeFormsResolveAgainstTheLength() {
    assertThat(ByteRange.parse("bytes=0-9", 100)).isEqualTo(new ByteRange(0, 9));
    assertThat(ByteRange.parse("bytes=90-", 100)).isEqualTo(new ByteRange(90, 99));
    assertThat(ByteRange.parse("bytes=-10", 100)).isEqualTo(new ByteRange(90, 99));
    assertThat(ByteRange.parse("bytes=50-500", 100)).as("a last byte past the end is clipped").isEqualTo(new ByteRange(50, 99));
    assertThat(ByteRange.parse(null, 100)).isNull();
  }

  @Test
  void malformedMultipleAndUnsatisfiableRangesAreInvalid() {
    for (String bad : new String[] {"bytes=100-", "bytes=9-3", "bytes=-0", "bytes=-", "items=0-1", "bytes=0-1,5-6",
        "bytes=99999999999999999999-"}) {
      assertThatThrownBy(() -> ByteRange.parse(bad, 100)).as(bad)
          .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_RANGE));
    }
  }
}
