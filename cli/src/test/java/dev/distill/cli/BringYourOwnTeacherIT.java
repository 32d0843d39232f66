package dev.distill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.cli.demo.HeldOut;
import dev.distill.cli.demo.Pipeline;
import dev.distill.client.sim.Fleet;
import dev.distill.contract.data.Dataset;
import dev.distill.contract.data.Datasets;
import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.data.Split;
import dev.distill.contract.model.TeacherManifest;
import dev.distill.contract.model.TeacherVersion;
import dev.distill.contract.model.Variant;
import dev.distill.contract.onnx.OnnxGraphReader;
import dev.distill.contract.proto.ModelVersion;
import dev.distill.platform.lifecycle.GracefulShutdown;
import dev.distill.trainer.version.PromotionGate;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A user's own teacher, end to end: a CNN trained and exported by real PyTorch (NCHW input named
 * {@code image}, its normalisation outside the graph) is imported with `distill teacher import`,
 * scores Fashion-MNIST through the real scorer, a batch-norm CNN student learns from its soft
 * targets and is published, and a simulated device runs it: the device's accuracy on the held-out
 * training images is the trainer's own validation figure, both counted on the same images.
 */
class BringYourOwnTeacherIT extends IsolatedHome {
  static final Path FIXTURES = Path.of("..", "teacher-scorer", "src", "test", "resources", "fixtures");
  static final int SAMPLES = 2_400;
  static final String STUDENT = "cnn:1x28x28-c8bn-c16bn-f32-10";

  @Test
  void anImportedPyTorchTeacherIsDistilledIntoACnnStudentThatADeviceRunsWithTheTrainersAccuracy() throws Exception {
    String out = run("teacher", "import", FIXTURES.resolve("fashion-cnn.onnx").toString(), "--id", "fashion-torch",
        "--classes", FIXTURES.resolve("fashion-classes.txt").toString(),
        "--preprocess", "image:scale=1/255,mean=0.2860,std=0.3530,layout=nchw", "--dataset", "fashion-mnist");
    assertThat(out).contains("imported teacher 'fashion-torch' v1", "image=float32[N,1,28,28]", "Ankle boot");
    TeacherVersion teacher = TeacherCommand.store().latest("fashion-torch").orElseThrow();

    Datasets.ensureAvailable(Dataset.FASHION_MNIST);
    LabelledImages train = Datasets.load(Dataset.FASHION_MNIST, Split.TRAIN);
    LabelledImages deviceData = HeldOut.images(train, SAMPLES, Pipeline.VALIDATION_FRACTION);
    // one candidate, at the end of the stream: judged on the whole slice the device also sees
    Pipeline.Settings settings = new Pipeline.Settings(Dataset.FASHION_MNIST, 1, STUDENT, SAMPLES,
        Duration.ofMinutes(10), Duration.ofSeconds(1), home.resolve("demo"), TeacherCommand.store().root(),
        teacher.teacherId(), Optional.of(teacher.dir().resolve(TeacherManifest.FILE)), List.of(Variant.FP32));
    try (GracefulShutdown shutdown = GracefulShutdown.onSignal("byom-it", Duration.ofSeconds(30))) {
      Pipeline p = Pipeline.start(settings, deviceData, shutdown, line -> { });
      p.produce(train, SAMPLES, n -> { });
      p.awaitTrained(SAMPLES, Duration.ofMinutes(5));
      assertThat(p.awaitFleet(Duration.ofMinutes(3))).as("fleet problem").isEmpty();

      List<ModelVersion> versions = p.versions(settings.studentModel());
      assertThat(versions).hasSize(1);
      ModelVersion v = versions.get(0);
      assertThat(v.getTeacherId()).isEqualTo("fashion-torch");
      assertThat(v.getArchitecture()).isEqualTo(dev.distill.contract.model.Architecture.parse(STUDENT).spec());
      // the student takes the teacher's input as declared, its preprocessing inside the graph
      OnnxGraphReader.Description graph = OnnxGraphReader.read(v.getOnnx().toByteArray());
      assertThat(graph.inputs()).singleElement().extracting(i -> i.spec().toString())
          .isEqualTo("image=float32[N,1,28,28]");
      double examples = v.getMetricsOrThrow(PromotionGate.EXAMPLES);
      assertThat(examples).isEqualTo(deviceData.count());
      double trainer = v.getMetricsOrThrow(PromotionGate.ACCURACY);
      assertThat(trainer).as("the student learnt something (chance is 0.1)").isGreaterThan(0.5);

      Fleet.Snapshot fleet = awaitAccuracy(p, v.getVersion());
      System.out.printf(java.util.Locale.ROOT, "byom: v%d of %s: trainer validation accuracy %.4f on %.0f held-out "
          + "images; device %.4f on the same images%n", v.getVersion(), STUDENT, trainer, examples,
          fleet.accuracyPerVersion().get(v.getVersion()));
      // same images, same weights: DJL on the trainer and ONNX Runtime on the device agree to
      // within one image of the ~120 (an argmax tie broken differently at 1e-5)
      assertThat(fleet.accuracyPerVersion().get(v.getVersion()))
          .isCloseTo(trainer, org.assertj.core.data.Offset.offset(1.0 / examples + 1e-9));
    }
  }

  private static Fleet.Snapshot awaitAccuracy(Pipeline p, long version) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    Fleet.Snapshot s = p.fleetSnapshot();
    while (!s.accuracyPerVersion().containsKey(version) && System.nanoTime() < deadline) {
      Thread.sleep(200);
      s = p.fleetSnapshot();
    }
    assertThat(s.accuracyPerVersion()).as("the device measured v%d on its window", version).containsKey(version);
    return s;
  }
}
