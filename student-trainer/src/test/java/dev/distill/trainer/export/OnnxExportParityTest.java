package dev.distill.trainer.export;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.distill.contract.model.Architecture;
import dev.distill.contract.model.ModelInterface;
import dev.distill.trainer.Mnist;
import dev.distill.trainer.OnnxRuntime;
import dev.distill.trainer.engine.TrainingEngine;
import dev.distill.trainer.model.Network;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An exported network computes in ONNX Runtime the logits DJL computes, on the same raw MNIST
 * test pixels. The weights are DJL's random initial ones (He-normal, seeded), and the networks
 * carry dropout, which both must leave out at inference; trained weights are checked end to end
 * by the teacher tests, which count the published files' errors in ONNX Runtime.
 */
class OnnxExportParityTest {
  private static final Logger LOG = LoggerFactory.getLogger(OnnxExportParityTest.class);
    private static final int IMAGES = 1000;

  private final TrainingEngine engine = TrainingEngine.start();

  @ParameterizedTest
  @ValueSource(strings = {"mlp:784-800-800-10", "cnn:28x28-c32-c64-f256-10"})
  void onnxRuntimeComputesTheLogitsDjlComputesOnRealImages(String spec) throws Exception {
    float[] pixels = OnnxRuntime.rawPixels(Mnist.test(), IMAGES);
    try (Network network = Network.create(engine, Architecture.parse(spec), Network.PIXEL_SCALE, 0.3f)) {
      engine.seed(7);
      network.initialize();
      float[] djl;
      try (NDManager call = network.model().getNDManager().newSubManager()) {
        djl = network.logits(call, pixels, IMAGES);
      }
      byte[] onnx = OnnxExport.toOnnx(network, Provenance.student("parity", 1, Instant.EPOCH));
      float[] ort = OnnxRuntime.logits(onnx, pixels, IMAGES);

      double maxDiff = 0;
      double maxLogit = 0;
      for (int j = 0; j < djl.length; j++) {
        maxDiff = Math.max(maxDiff, Math.abs(djl[j] - ort[j]));
        maxLogit = Math.max(maxLogit, Math.abs(djl[j]));
      }
      LOG.info("parity {}: max |DJL - ONNX Runtime| = {} over {} images x 10 logits (largest |logit| {})", spec,
          maxDiff, IMAGES, maxLogit);
      assertThat(ort).hasSameSizeAs(djl);
      assertThat(maxLogit).as("the logits are not trivially zero").isGreaterThan(0.5);
      assertThat(maxDiff).isLessThanOrEqualTo(1e-5);
    }
  }

  @Test
  void theFileHasTheModelInterfaceAndItsProvenance() throws Exception {
    try (Network network = Network.create(engine, Architecture.parse("cnn:28x28-c4-f8-10"), Network.PIXEL_SCALE, 0f)) {
      network.initialize();
      Provenance provenance = Provenance.student("mnist-mlp", 3, Instant.parse("2025-01-02T03:04:05Z"))
          .dataset("mnist").distilledFrom("mnist", "2", 20f, 0.9f).dataRange("distill.soft-targets-0:[0,100)");
      try (OrtSession session = OnnxRuntime.ENV.createSession(OnnxExport.toOnnx(network, provenance))) {
        Map<String, NodeInfo> inputs = session.getInputInfo();
        Map<String, NodeInfo> outputs = session.getOutputInfo();
        assertThat(inputs).containsOnlyKeys(ModelInterface.INPUT);
        assertThat(((TensorInfo) inputs.get(ModelInterface.INPUT).getInfo()).getShape()).containsExactly(-1, 784);
        assertThat(outputs).containsOnlyKeys(ModelInterface.OUTPUT);
        assertThat(((TensorInfo) outputs.get(ModelInterface.OUTPUT).getInfo()).getShape()).containsExactly(-1, 10);
        assertThat(session.getMetadata().getCustomMetadata()).containsAllEntriesOf(Map.of(
            ModelInterface.META_KIND, "student",
            ModelInterface.META_MODEL_ID, "mnist-mlp",
            ModelInterface.META_VERSION, "3",
            ModelInterface.META_ARCHITECTURE, "cnn:28x28-c4-f8-10",
            ModelInterface.META_DATASET, "mnist",
            ModelInterface.META_TEACHER_ID, "mnist",
            ModelInterface.META_TEACHER_VERSION, "2",
            ModelInterface.META_TEMPERATURE, "20.0",
            ModelInterface.META_ALPHA, "0.9",
            ModelInterface.META_DATA_RANGE, "distill.soft-targets-0:[0,100)"));
        assertThat(session.getMetadata().getCustomMetadata())
            .containsEntry(ModelInterface.META_CREATED_AT, "2025-01-02T03:04:05Z");
      }
    }
  }
}
