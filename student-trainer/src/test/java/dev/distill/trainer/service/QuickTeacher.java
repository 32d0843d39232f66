package dev.distill.trainer.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.model.Architecture;
import dev.distill.contract.proto.SoftTarget;
import dev.distill.contract.wire.Tensors;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.platform.topics.TopicAdmin;
import dev.distill.trainer.Mnist;
import dev.distill.trainer.Softmax;
import dev.distill.trainer.engine.TrainingEngine;
import dev.distill.trainer.stream.Batch;
import dev.distill.trainer.stream.LearningRate;
import dev.distill.trainer.stream.ResumableOptimizer;
import dev.distill.trainer.stream.StudentLearner;
import java.util.HashMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A teacher for the trainer's integration tests that takes seconds, not minutes: an MLP trained
 * here on hard labels (one pass over 20,000 MNIST images, about 92% on the test split), whose
 * softmax(z/T) of the training images it produces as soft targets, keyed {@code s-<index>}.
 * Every tenth sample arrives unlabelled (or every one, when asked). The teacher's own quality is checked, so a broken
 * teacher cannot pass as a weak student.
 */
final class QuickTeacher implements AutoCloseable {
  static final float T = 20f;
  static final String ID = "it-teacher";

  private final StudentLearner teacher;
  private final LabelledImages train = Mnist.train();
  private final KafkaProducer<String, byte[]> producer;
  private final String topic;
  final double testAccuracy;

  QuickTeacher(KafkaSettings kafka) throws Exception {
    try (Admin admin = Admin.create(kafka.clientProperties())) {
      TopicAdmin.ensure(admin, kafka.topics(), (short) 1);
    }
    topic = kafka.topics().softTargets().name();
    producer = new KafkaProducer<>(new HashMap<>(kafka.clientProperties()), new StringSerializer(),
        new ByteArraySerializer());
    teacher = new StudentLearner(TrainingEngine.start(), Architecture.parse("mlp:784-256-10"),
        ResumableOptimizer.Kind.ADAM, LearningRate.constant(1e-3f), 0, 0f, 7);
    int d = train.pixelsPerImage();
    for (int from = 0; from < 20_000; from += 128) {
      float[] x = pixels(from, 128);
      float[] q = new float[128 * 10];
      int[] y = new int[128];
      float[] t = new float[128];
      for (int i = 0; i < 128; i++) {
        y[i] = train.label(from + i);
        t[i] = 1;
        q[i * 10 + y[i]] = 1;
      }
      teacher.step(new Batch(128, 128, x, q, t, y));
    }
    assertThat(d).isEqualTo(784);
    testAccuracy = teacher.accuracy(Mnist.test());
    System.out.printf("QuickTeacher: test accuracy %.4f%n", testAccuracy);
    assertThat(testAccuracy).as("the quick teacher's test accuracy").isGreaterThanOrEqualTo(0.9);
  }

  /** Produces the soft targets of training images {@code [from, to)} and waits until they are written. */
  void produce(int from, int to) {
    produce(from, to, true);
  }

  /**
   * As {@link #produce(int, int)}; {@code labelled} false leaves out every hard label (the common
   * case of an unlabelled stream).
   */
  void produce(int from, int to, boolean labelled) {
    for (int start = from; start < to; start += 500) {
      int n = Math.min(500, to - start);
      float[] z;
      try (var m = teacher.network().model().getNDManager().newSubManager()) {
        z = teacher.network().logits(m, pixels(start, n), n);
      }
      for (int i = 0; i < n; i++) {
        int idx = start + i;
        SoftTarget.Builder b = SoftTarget.newBuilder().setSampleId("s-" + idx)
            .setFeatures(Tensors.uint8(train.image(idx), 28, 28)).setNumClasses(10).setTemperature(T)
            .setTeacherId(ID).setTeacherVersion("1").setEnsembleSize(1);
        for (double v : Softmax.of(Softmax.row(z, i, 10), T)) {
          b.addProbs((float) v);
        }
        if (labelled && idx % 10 != 0) {
          b.setLabel(train.label(idx));
        }
        send("s-" + idx, b.build().toByteArray());
      }
    }
    producer.flush();
  }

  /** Sends any bytes to the soft-targets topic (for the dead-letter cases). */
  void send(String key, byte[] value) {
    producer.send(new ProducerRecord<>(topic, key, value));
  }

  void flush() {
    producer.flush();
  }

  private float[] pixels(int from, int n) {
    int d = train.pixelsPerImage();
    float[] x = new float[n * d];
    int off = train.imageOffset(from);
    for (int j = 0; j < x.length; j++) {
      x[j] = train.pixels()[off + j] & 0xff;
    }
    return x;
  }

  @Override
  public void close() {
    producer.close();
    teacher.close();
  }
}
