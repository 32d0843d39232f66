package dev.distill.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.distill.contract.proto.ModelVersion;
import dev.distill.contract.proto.OffsetRange;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PipelineSectionTest {
  static ModelVersion version(long v, long last) {
    return ModelVersion.newBuilder().setVersion(v).addOffsets(OffsetRange.newBuilder().setTopic("t").setPartition(0)
        .setFirstOffset(0).setLastOffset(last)).build();
  }

  @Test
  void aSampleBelongsToTheFirstVersionWhoseCumulativeRangeHoldsIt() {
    List<ModelVersion> versions = List.of(version(1, 99), version(2, 199));
    assertEquals(1, PipelineSection.coveringVersion(versions, 0, 99).orElseThrow().getVersion());
    assertEquals(2, PipelineSection.coveringVersion(versions, 0, 100).orElseThrow().getVersion());
    assertEquals(true, PipelineSection.coveringVersion(versions, 0, 200).isEmpty());
    assertEquals(true, PipelineSection.coveringVersion(versions, 1, 5).isEmpty());
  }

  @Test
  void aDeviceOnALaterVersionRunsTheSampleToo() {
    List<PipelineSection.Poll> polls = List.of(
        new PipelineSection.Poll(1000, Map.of(0L, 3)),
        new PipelineSection.Poll(2000, Map.of(0L, 2, 2L, 1)),
        new PipelineSection.Poll(3000, Map.of(1L, 1, 2L, 2)),
        new PipelineSection.Poll(4000, Map.of(2L, 3)));
    assertEquals(2000, PipelineSection.firstTime(polls, 1, 1));
    assertEquals(3000, PipelineSection.firstTime(polls, 1, 3));
    assertEquals(4000, PipelineSection.firstTime(polls, 2, 3));
    assertEquals(-1, PipelineSection.firstTime(polls, 3, 1));
  }

  @Test
  void percentilesAreNearestRankPerSlice() {
    double[] v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    assertEquals(5, PipelineSection.percentile(v, 0.5));
    assertEquals(10, PipelineSection.percentile(v, 0.99));
    assertArrayEquals(new double[] {2, 4, 6, 8, 10}, PipelineSection.slices(v, 0.99));
  }
}
