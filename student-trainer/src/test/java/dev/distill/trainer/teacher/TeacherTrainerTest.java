package dev.distill.trainer.teacher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.contract.data.Dataset;
import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.model.Architecture;
import dev.distill.contract.model.ModelInterface;
import dev.distill.contract.model.TeacherStore;
import dev.distill.contract.model.TeacherVersion;
import dev.distill.trainer.Mnist;
import dev.distill.trainer.OnnxRuntime;
import dev.distill.trainer.engine.TrainingEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TeacherTrainerTest {
  private static final Instant NOW = Instant.parse("2025-03-04T05:06:07Z");
  private final TrainingEngine engine = TrainingEngine.start();
  @TempDir Path root;

  private TeacherTrainer trainer() {
    return new TeacherTrainer(engine, new TeacherStore(root), Clock.fixed(NOW, ZoneOffset.UTC));
  }

  @Test
  void oneEpochOnTenThousandImagesTeachesAnMlpWellAboveChance() throws Exception {
    TeacherOptions options = TeacherOptions.builder(Dataset.MNIST)
        .optArchitecture(Architecture.parse("mlp:784-800-800-10")).optDropout(0.2f)
        .optEpochs(1).optBatchSize(64).optJitter(false).optTrainLimit(10_000).build();
    List<TrainingProgress> reports = new ArrayList<>();

    TeacherResult result = trainer().train(options, Mnist.train(), Mnist.test(), reports::add);

    assertThat(result.testCount()).isEqualTo(10_000);
    assertThat(result.testErrors()).as("errors of 10,000 (chance: 9,000)").isLessThanOrEqualTo(1_000);
    assertThat(result.memberErrors()).containsExactly(result.testErrors());
    // one report per minibatch of 64, the last one closing the only epoch
    assertThat(reports).hasSize((10_000 + 63) / 64);
    assertThat(reports).extracting(TrainingProgress::samples).isSorted().endsWith(10_000L);
    assertThat(reports).allSatisfy(p -> assertThat(p.totalSamples()).isEqualTo(10_000));
    assertThat(reports).filteredOn(TrainingProgress::epochDone).hasSize(1);
    assertThat(reports.get(reports.size() - 1).epochDone()).isTrue();
    assertThat(reports.get(0).loss()).as("first minibatch: about ln 10").isBetween(1.5, 4.0);
    assertThat(reports.get(reports.size() - 1).loss()).isLessThan(reports.get(0).loss() / 3);
  }

  @Test
  void anEnsembleLandsInTheStoreWithItsProvenanceAndErrorsOnnxRuntimeConfirms() throws Exception {
    TeacherOptions options = TeacherOptions.builder(Dataset.MNIST)
        .optArchitecture(Architecture.parse("mlp:784-64-10")).optDropout(0f).optMembers(2).optEpochs(2)
        .optBatchSize(32).optSeed(5).optJitter(false).optTrainLimit(3_000).build();

    TeacherResult result = trainer().train(options, Mnist.train(), Mnist.test(), TrainingProgress.Listener.NONE);

    TeacherVersion published = result.published();
    assertThat(published.teacherId()).isEqualTo("mnist");
    assertThat(published.version()).isEqualTo(1);
    assertThat(published.dir()).isEqualTo(root.resolve("mnist").resolve("v1"));
    assertThat(published.members()).hasSize(2);
    assertThat(new TeacherStore(root).latest("mnist")).get().extracting(TeacherVersion::version).isEqualTo(1);
    assertThat(published.info()).containsAllEntriesOf(Map.of(
        "architecture", "mlp:784-64-10", "dataset", "mnist", "epochs", "2", "seed", "5", "members", "2",
        "member.0.seed", "5", "member.1.seed", "6", "data_range", "mnist/train[0,3000)",
        "created_at", NOW.toString(), "test_count", "10000"));
    assertThat(published.info()).containsEntry("test_errors", Integer.toString(result.testErrors()))
        .containsEntry("member.0.test_errors", Integer.toString(result.memberErrors().get(0)))
        .containsEntry("member.1.test_errors", Integer.toString(result.memberErrors().get(1)))
        .containsEntry("device", engine.device().toString())
        .containsKeys("train_seconds", "engine", "jitter", "dropout", "learning_rate");
    assertThat(result.memberErrors()).allSatisfy(e -> assertThat(e).isLessThan(2_000));

    // the files, run as the scorer runs them, make exactly the errors the trainer reported
    float[] pixels = OnnxRuntime.rawPixels(Mnist.test(), 10_000);
    float[] ensemble = new float[10_000 * 10];
    for (int m = 0; m < 2; m++) {
      byte[] onnx = Files.readAllBytes(published.members().get(m));
      assertThat(OnnxRuntime.metadata(onnx)).containsAllEntriesOf(Map.of(
          ModelInterface.META_KIND, "teacher", ModelInterface.META_MODEL_ID, "mnist",
          ModelInterface.META_VERSION, "1", ModelInterface.META_ARCHITECTURE, "mlp:784-64-10",
          ModelInterface.META_DATASET, "mnist", ModelInterface.META_DATA_RANGE, "mnist/train[0,3000)",
          ModelInterface.META_CREATED_AT, NOW.toString(), "distill.member", m + "/2"));
      float[] probabilities = OnnxRuntime.logits(onnx, pixels, 10_000);
      TeacherTrainer.softmaxRows(probabilities, 10);
      assertThat(TeacherTrainer.errors(probabilities, Mnist.test(), 10)).isEqualTo(result.memberErrors().get(m));
      for (int j = 0; j < ensemble.length; j++) {
        ensemble[j] += probabilities[j];
      }
    }
    assertThat(TeacherTrainer.errors(ensemble, Mnist.test(), 10)).isEqualTo(result.testErrors());
  }

  @Test
  void trainingAgainPublishesTheNextVersion() throws Exception {
    TeacherOptions options = TeacherOptions.builder(Dataset.MNIST).optTeacherId("tiny")
        .optArchitecture(Architecture.parse("mlp:784-10")).optEpochs(1).optTrainLimit(256).build();
    TeacherTrainer trainer = trainer();

    trainer.train(options, Mnist.train(), Mnist.test(), TrainingProgress.Listener.NONE);
    TeacherVersion second = trainer.train(options, Mnist.train(), Mnist.test(), TrainingProgress.Listener.NONE)
        .published();

    assertThat(second.version()).isEqualTo(2);
    assertThat(second.dir()).isEqualTo(root.resolve("tiny").resolve("v2"));
    assertThat(OnnxRuntime.metadata(Files.readAllBytes(second.members().get(0))))
        .containsEntry(ModelInterface.META_MODEL_ID, "tiny")
        .containsEntry(ModelInterface.META_VERSION, "2");
  }

  @Test
  void imagesOfAnotherDataSetAreRefused() {
    LabelledImages fashion = new LabelledImages("fashion-mnist", "train", 28, 28, new byte[784], new byte[1]);
    TeacherOptions options = TeacherOptions.builder(Dataset.MNIST).build();

    assertThatThrownBy(() -> trainer().train(options, fashion, fashion, TrainingProgress.Listener.NONE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("a teacher for mnist cannot learn from LabelledImages[fashion-mnist/train");
  }
}
