package dev.distill.platform.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.proto.Sample;
import dev.distill.platform.topics.Topics;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class DatasetProducerTest {
  private static LabelledImages tiny(int n) {
    byte[] pixels = new byte[n * 4];
    byte[] labels = new byte[n];
    for (int i = 0; i < n; i++) {
      pixels[i * 4] = (byte) i;
      labels[i] = (byte) (i % 10);
    }
    return new LabelledImages("tiny", "train", 2, 2, pixels, labels);
  }

  private static List<Sample> send(LabelledImages data, DatasetProducer.Options options) throws Exception {
    Topics topics = Topics.defaults();
    MockProducer<String, Sample> mock = new MockProducer<>(true, null, new StringSerializer(),
        topics.samples().valueSerde().serializer());
    DatasetProducer.Summary s = new DatasetProducer(mock, topics.samples(), Clock.systemUTC())
        .send(data, options, n -> {});
    List<Sample> out = new ArrayList<>();
    mock.history().forEach(r -> out.add(r.value()));
    assertThat(s.sent()).isEqualTo(out.size());
    return out;
  }

  @Test
  void theSameSeedGivesTheSameOrderAndEveryIndexOnce() {
    int[] a = DatasetProducer.order(1000, 42L);
    assertThat(a).isEqualTo(DatasetProducer.order(1000, 42L)).isNotEqualTo(DatasetProducer.order(1000, 43L));
    int[] sorted = a.clone();
    Arrays.sort(sorted);
    assertThat(sorted).isEqualTo(DatasetProducer.order(1000, null));
  }

  @Test
  void idsNameTheOriginalIndexAndPixelsFollowThem() throws Exception {
    List<Sample> sent = send(tiny(20), new DatasetProducer.Options(5, 0, 9L, 1.0));
    assertThat(sent).hasSize(5).allSatisfy(s -> {
      int index = Integer.parseInt(s.getId().substring("tiny-train-".length()));
      assertThat(s.getFeatures().getData().byteAt(0) & 0xff).isEqualTo(index);
      assertThat(s.getLabel()).isEqualTo(index % 10);
    });
  }

  @Test
  void withoutCyclingALimitAboveTheSplitIsCutToIt() throws Exception {
    assertThat(send(tiny(7), new DatasetProducer.Options(10, 0, 3L, 1.0))).hasSize(7);
  }

  @Test
  void cyclingGoesRoundTheSplitInTheSameOrderWithTheSameIds() throws Exception {
    List<Sample> sent = send(tiny(7), new DatasetProducer.Options(17, 0, 3L, 1.0).cycling());
    assertThat(sent).hasSize(17);
    List<String> ids = sent.stream().map(Sample::getId).toList();
    assertThat(ids.subList(7, 14)).isEqualTo(ids.subList(0, 7));
    assertThat(ids.subList(14, 17)).isEqualTo(ids.subList(0, 3));
    assertThat(sent.subList(0, 7)).extracting(Sample::getId).doesNotHaveDuplicates();
  }

  @Test
  void labelFractionZeroSendsOnlyUnlabelledSamples() throws Exception {
    assertThat(send(tiny(50), new DatasetProducer.Options(0, 0, 1L, 0.0))).hasSize(50).noneMatch(Sample::hasLabel);
  }

  @Test
  void optionsOutOfRangeAreRefused() {
    assertThatThrownBy(() -> new DatasetProducer.Options(0, 0, null, 1.5)).hasMessageContaining("label fraction");
    assertThatThrownBy(() -> new DatasetProducer.Options(-1, 0, null, 1)).hasMessageContaining("limit");
    assertThatThrownBy(() -> DatasetProducer.Options.all().cycling()).hasMessageContaining("cycling needs a limit");
  }
}
