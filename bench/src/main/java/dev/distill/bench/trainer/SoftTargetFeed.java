package dev.distill.bench.trainer;

import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.proto.SoftTarget;
import dev.distill.contract.wire.Tensors;
import dev.distill.platform.topics.TopicAdmin;
import dev.distill.trainer.service.TrainerSettings;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The soft targets both sides train on: MNIST training images (cycled) with smoothed one-hot
 * labels as the teacher's probabilities, at one temperature. What the teacher says does not
 * change the cost of a step, so no teacher runs.
 */
final class SoftTargetFeed {
  static final float TEMPERATURE = 20f;

  private SoftTargetFeed() {}

  /** Replayed rows beside each batch's fresh ones, as the trainer's batch assembler draws them. */
  static int replayedRows(TrainerSettings s) {
    return (int) Math.round(s.batchSize() * s.replayRatio());
  }

  static float[] smoothed(int label, int classes) {
    float[] p = new float[classes];
    Arrays.fill(p, 0.01f);
    p[label] = 1 - 0.01f * (classes - 1);
    return p;
  }

  /** Writes soft targets {@code b-0 .. b-(count-1)} to the settings' soft-targets topic, all acknowledged. */
  static void produce(TrainerSettings s, LabelledImages train, long count) throws Exception {
    try (Admin admin = Admin.create(s.kafka().clientProperties())) {
      TopicAdmin.ensure(admin, s.kafka().topics(), (short) 1);
    }
    int classes = s.architecture().classes();
    Map<String, Object> p = new HashMap<>(s.kafka().clientProperties());
    p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    String topic = s.kafka().topics().softTargets().name();
    // every record must arrive: a trial counts on the topic holding all of them
    AtomicReference<Exception> failure = new AtomicReference<>();
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(),
        new ByteArraySerializer())) {
      for (long i = 0; i < count; i++) {
        int idx = (int) (i % train.count());
        SoftTarget.Builder b = SoftTarget.newBuilder().setSampleId("b-" + i)
            .setFeatures(Tensors.uint8(train.image(idx), train.rows(), train.cols())).setNumClasses(classes)
            .setTemperature(TEMPERATURE).setLabel(train.label(idx)).setTeacherId("bench").setTeacherVersion("1")
            .setEnsembleSize(1);
        for (float v : smoothed(train.label(idx), classes)) {
          b.addProbs(v);
        }
        producer.send(new ProducerRecord<>(topic, "b-" + i, b.build().toByteArray()), (md, e) -> {
          if (e != null) {
            failure.compareAndSet(null, e);
          }
        });
      }
    }
    if (failure.get() != null) {
      throw new IllegalStateException("the bench's producer lost records", failure.get());
    }
  }
}
