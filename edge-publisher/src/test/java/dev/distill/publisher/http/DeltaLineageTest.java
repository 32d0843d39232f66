package dev.distill.publisher.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.contract.proto.ModelVersion;
import dev.distill.publisher.state.FleetView;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeltaLineageTest {
  private final FleetView view = new FleetView();

  private void version(String model, long v, long parent) {
    view.applyVersion(ModelVersion.newBuilder().setModelName(model).setVersion(v).setParentVersion(parent).build(),
        sha(model, v), 100, 0);
  }

  private static String sha(String model, long v) {
    return String.format("%064x", (long) model.hashCode() * 1000 + v).replace('-', '0');
  }

  @Test
  void aDeltaIsServedOnlyFromAnAncestorWithinTheDepth() {
    for (long v = 1; v <= 6; v++) {
      version("m", v, v - 1);
    }
    assertThat(DeviceApi.withinLineage(view, sha("m", 5), sha("m", 6), 3)).isTrue();
    assertThat(DeviceApi.withinLineage(view, sha("m", 3), sha("m", 6), 3)).isTrue();
    assertThat(DeviceApi.withinLineage(view, sha("m", 2), sha("m", 6), 3)).as("four back").isFalse();
    assertThat(DeviceApi.withinLineage(view, sha("m", 6), sha("m", 5), 3)).as("a descendant").isFalse();
    assertThat(DeviceApi.withinLineage(view, sha("m", 6), sha("m", 6), 3)).as("itself").isFalse();
    assertThat(DeviceApi.withinLineage(view, sha("m", 5), sha("m", 6), 0)).as("deltas off").isFalse();
  }

  @Test
  void aDeltaFollowsParentsNotVersionNumbers() {
    version("m", 1, 0);
    version("m", 2, 1);
    version("m", 3, 1); // retrained from 1, not from 2
    version("other", 2, 1);
    assertThat(DeviceApi.withinLineage(view, sha("m", 1), sha("m", 3), 3)).isTrue();
    assertThat(DeviceApi.withinLineage(view, sha("m", 2), sha("m", 3), 3)).as("a sibling").isFalse();
    assertThat(DeviceApi.withinLineage(view, sha("other", 2), sha("m", 3), 3)).as("another model").isFalse();
    assertThat(DeviceApi.withinLineage(view, sha("m", 1), "f".repeat(64), 3)).as("an unknown target").isFalse();
  }

  @Test
  void theLineagePathRunsFromTheBaseThroughTheVersionsBetweenToTheTarget() {
    version("m", 1, 0);
    version("m", 2, 1);
    version("m", 3, 1); // retrained from 1: the path skips 2
    version("m", 4, 3);
    assertThat(DeviceApi.lineagePath(view, sha("m", 1), sha("m", 4), 3))
        .contains(List.of(sha("m", 1), sha("m", 3), sha("m", 4)));
    assertThat(DeviceApi.lineagePath(view, sha("m", 3), sha("m", 4), 3)).contains(List.of(sha("m", 3), sha("m", 4)));
    assertThat(DeviceApi.lineagePath(view, sha("m", 2), sha("m", 4), 3)).isEmpty();
  }

  @Test
  void aParentTheLineageNeverReceivedStandsForTheNewestVersionBelowIt() {
    version("m.qdelta", 4, 3);
    version("m.qdelta", 6, 5); // the variant of v5 could not be made: v6 names the fp32 parent, 5
    version("m.qdelta", 7, 6);
    assertThat(DeviceApi.lineagePath(view, sha("m.qdelta", 4), sha("m.qdelta", 7), 3))
        .contains(List.of(sha("m.qdelta", 4), sha("m.qdelta", 6), sha("m.qdelta", 7)));
    assertThat(DeviceApi.lineagePath(view, sha("m.qdelta", 4), sha("m.qdelta", 6), 3))
        .contains(List.of(sha("m.qdelta", 4), sha("m.qdelta", 6)));
  }
}
