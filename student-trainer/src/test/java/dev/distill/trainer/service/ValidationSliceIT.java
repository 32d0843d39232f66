package dev.distill.trainer.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.contract.proto.ModelVersion;
import dev.distill.kafka.EmbeddedKafka;
import dev.distill.platform.config.ConfigReader;
import dev.distill.trainer.stream.Example;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stream without a single hard label, on a real broker: the trainer holds out exactly the ids
 * its hash selects, never trains on one of them (not in a batch, not in the replay buffer), and
 * publishes versions judged by agreement with the teacher on that slice.
 */
class ValidationSliceIT {
  private static final int SAMPLES = 4_000;
  @TempDir Path dir;

  @Test
  void anUnlabelledStreamPublishesVersionsGatedOnAgreementAndNeverTrainsOnTheSlice() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dir.resolve("kafka")).port(0).controllerPort(0)
        .build().start()) {
      TrainerSettings settings = TrainerSettings.read(ConfigReader.from(Map.of(
          "DISTILL_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
          "DISTILL_PARTITIONS", "2",
          "DISTILL_HTTP_PORT", "0",
          "DISTILL_TRAINER_ARCHITECTURE", "mlp:784-128-10",
          "DISTILL_TRAINER_VERSION_EVERY_SAMPLES", "1000",
          "DISTILL_TRAINER_VERSION_EVERY", "3s",
          "DISTILL_TRAINER_VALIDATION_MIN", "100")));
      try (QuickTeacher teacher = new QuickTeacher(settings.kafka())) {
        teacher.produce(0, SAMPLES, false);
      }
      Set<String> trainedOn = ConcurrentHashMap.newKeySet();
      Set<String> heldOut = ConcurrentHashMap.newKeySet();
      long toTrain = HeldOutIds.trainedCount(settings, "s-", SAMPLES);
      Progress progress;
      try (TrainerService trainer = new TrainerService(settings).observe(new TrainingObserver() {
        @Override
        public void trainedOn(Example e) {
          trainedOn.add(e.id());
        }

        @Override
        public void heldOut(Example e) {
          heldOut.add(e.id());
        }
      }).start()) {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while ((trainer.progress().committedSamples() < toTrain || trainer.progress().heldOut() < SAMPLES - toTrain)
            && trainer.progress().failure() == null && System.nanoTime() < deadline) {
          Thread.sleep(100);
        }
        progress = trainer.progress();
      }
      assertThat(progress.failure()).isNull();
      assertThat(progress.committedSamples()).isEqualTo(toTrain);

      Set<String> selected = HeldOutIds.of(settings, "s-", SAMPLES);
      assertThat(selected).hasSizeBetween(150, 250);
      assertThat(heldOut).as("the slice holds exactly the ids the hash selects").isEqualTo(selected);
      assertThat(progress.heldOut()).isEqualTo(selected.size());
      Set<String> both = new HashSet<>(trainedOn);
      both.retainAll(heldOut);
      assertThat(both).as("ids both trained on and held out").isEmpty();
      assertThat(trainedOn).hasSize(SAMPLES - selected.size());

      List<ModelVersion> versions = TopicReader.read(kafka.bootstrapServers(),
          settings.kafka().topics().studentModels().name(), ModelVersion::parseFrom)
        .stream().filter(v -> v.getModelName().equals(settings.modelName())).toList(); // the fp32 lineage, not its variants
      assertThat(versions).as("versions of an unlabelled stream").isNotEmpty();
      for (ModelVersion v : versions) {
        assertThat(v.getLabelsOrThrow("gate")).contains("validation_agreement", "0 labelled");
        assertThat(v.getMetricsMap()).containsKeys("validation_agreement", "validation_kl")
            .doesNotContainKeys("validation_accuracy", "prequential_accuracy");
        assertThat(v.getMetricsOrThrow("validation_labelled")).isZero();
        assertThat(v.getMetricsOrThrow("validation_examples")).isGreaterThanOrEqualTo(100);
      }
      ModelVersion newest = versions.get(versions.size() - 1);
      assertThat(newest.getMetricsOrThrow("validation_agreement")).as("agreement with the teacher").isGreaterThan(0.8);
      System.out.printf("ValidationSliceIT: %d soft targets, %d held out, %d versions, newest agreement %.4f%n",
          SAMPLES, selected.size(), versions.size(), newest.getMetricsOrThrow("validation_agreement"));
    }
  }
}
