package dev.distill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.distill.contract.model.TeacherManifest;
import dev.distill.contract.model.TeacherStore;
import dev.distill.contract.model.TeacherVersion;
import dev.distill.contract.onnx.OnnxGraphReader;
import dev.distill.contract.proto.ModelVersion;
import dev.distill.contract.proto.Sample;
import dev.distill.contract.wire.Tensors;
import dev.distill.kafka.EmbeddedKafka;
import dev.distill.platform.config.ConfigReader;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.platform.config.ServiceSettings;
import dev.distill.platform.ingest.KafkaClients;
import dev.distill.platform.topics.Topics;
import dev.distill.scorer.ScorerService;
import dev.distill.scorer.ScorerSettings;
import dev.distill.scorer.importer.TeacherImport;
import dev.distill.scorer.importer.TeacherImporter;
import dev.distill.trainer.service.TrainerService;
import dev.distill.trainer.service.TrainerSettings;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A two-input int64 token teacher exported by real PyTorch ({@code input_ids}, {@code
 * attention_mask}, both {@code [N, L]}) through the real scorer and trainer to a published
 * token-id student, which then classifies fresh sequences of its own length in ONNX Runtime.
 */
class TokenTeacherIT {
  static final Path FIXTURE = Path.of("..", "teacher-scorer", "src", "test", "resources", "fixtures", "token-bag.onnx");
  static final int SAMPLES = 4_000;
  static final String STUDENT = "tok:64-e16-f32-4";

  @TempDir Path dir;

  @Test
  void variableLengthTokenSamplesAreDistilledIntoATokenStudent() throws Exception {
    TeacherStore store = new TeacherStore(dir.resolve("teachers"));
    TeacherVersion teacher = new TeacherImporter(Clock.systemUTC()).importInto(store,
        TeacherImport.of("intents", FIXTURE));
    try (EmbeddedKafka broker = EmbeddedKafka.builder().dataDir(dir.resolve("kafka")).port(0).controllerPort(0)
        .build()) {
      broker.start();
      Map<String, String> common = Map.of(KafkaSettings.BOOTSTRAP, broker.bootstrapServers(),
          "DISTILL_PARTITIONS", "2", ServiceSettings.HTTP_PORT, "0");
      Map<String, String> scorerEnv = new HashMap<>(common);
      scorerEnv.put(ScorerSettings.TEACHER_ID, "intents");
      scorerEnv.put(ScorerSettings.TEACHER_STORE, store.root().toString());
      scorerEnv.put(ScorerSettings.STATE_DIR, dir.resolve("state").toString());
      Map<String, String> trainerEnv = new HashMap<>(common);
      trainerEnv.put("DISTILL_TRAINER_MODEL_NAME", "intents-student");
      trainerEnv.put("DISTILL_TRAINER_ARCHITECTURE", STUDENT);
      trainerEnv.put("DISTILL_TRAINER_TEACHER_MANIFEST", teacher.dir().resolve(TeacherManifest.FILE).toString());
      trainerEnv.put("DISTILL_TRAINER_LEARNING_RATE", "0.01");
      trainerEnv.put("DISTILL_TRAINER_VERSION_EVERY_SAMPLES", "2000");
      trainerEnv.put("DISTILL_TRAINER_VALIDATION_MIN", "50");
      trainerEnv.put("DISTILL_TRAINER_THREADS", "1");
      KafkaSettings kafka = KafkaSettings.read(ConfigReader.from(common));
      try (ScorerService scorer = ScorerService.start(ScorerSettings.from(scorerEnv));
          TrainerService trainer = new TrainerService(TrainerSettings.read(ConfigReader.from(trainerEnv))).start()) {
        Random rnd = new Random(11);
        try (KafkaProducer<String, Sample> producer = KafkaClients.producer(kafka, kafka.topics().samples(), "it")) {
          for (int i = 0; i < SAMPLES; i++) {
            TokenTask.Sequence s = TokenTask.draw(rnd);
            // half of the stream carries labels, as traffic with some feedback would
            Sample.Builder b = Sample.newBuilder().setId("utt-" + i)
                .putTensors("input_ids", Tensors.int64(s.ids(), s.ids().length))
                .putTensors("attention_mask", Tensors.int64(s.mask(), s.mask().length));
            if (i % 2 == 0) {
              b.setLabel(s.label());
            }
            producer.send(new ProducerRecord<>(kafka.topics().samples().name(), b.getId(), b.build()));
          }
          producer.flush();
        }
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        while (trainer.progress().committedSamples() + trainer.progress().heldOut() < SAMPLES
            && System.nanoTime() < deadline && trainer.progress().failure() == null) {
          Thread.sleep(200);
        }
        assertThat(trainer.progress().failure()).isNull();
        assertThat(trainer.progress().committedSamples() + trainer.progress().heldOut()).isEqualTo(SAMPLES);
        assertThat(scorer.metrics().deadLettersCount()).isZero();
      }

      ModelVersion newest = newestVersion(kafka, "intents-student");
      assertThat(newest.getArchitecture()).isEqualTo(STUDENT);
      assertThat(newest.getTeacherId()).isEqualTo("intents");
      OnnxGraphReader.Description graph = OnnxGraphReader.read(newest.getOnnx().toByteArray());
      assertThat(graph.inputs()).extracting(i -> i.spec().toString())
          .containsExactly("input_ids=int64[N,L]", "attention_mask=int64[N,L]");
      double accuracy = accuracyInOnnxRuntime(newest.getOnnx().toByteArray(), new Random(99), 500);
      System.out.printf(java.util.Locale.ROOT, "tokens: v%d of %s (gate: %s): %.4f on 500 fresh sequences in ONNX "
          + "Runtime%n", newest.getVersion(), STUDENT, newest.getLabelsOrDefault("gate", "?"), accuracy);
      assertThat(accuracy).as("the published token student on fresh sequences").isGreaterThan(0.9);
    }
  }

  private static double accuracyInOnnxRuntime(byte[] onnx, Random rnd, int n) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    int correct = 0;
    try (OrtSession session = env.createSession(onnx)) {
      for (int i = 0; i < n; i++) {
        TokenTask.Sequence s = TokenTask.draw(rnd);
        long[] shape = {1, s.ids().length};
        try (OnnxTensor ids = OnnxTensor.createTensor(env, LongBuffer.wrap(s.ids()), shape);
            OnnxTensor mask = OnnxTensor.createTensor(env, LongBuffer.wrap(s.mask()), shape);
            OrtSession.Result r = session.run(Map.of("input_ids", ids, "attention_mask", mask))) {
          float[] z = ((float[][]) r.get(0).getValue())[0];
          int best = 0;
          for (int k = 1; k < z.length; k++) {
            best = z[k] > z[best] ? k : best;
          }
          correct += best == s.label() ? 1 : 0;
        }
      }
    }
    return correct / (double) n;
  }

  private static ModelVersion newestVersion(KafkaSettings kafka, String model) {
    Map<String, Object> p = new HashMap<>(kafka.clientProperties());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Topics.MODEL_MAX_MESSAGE_BYTES);
    p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Topics.MODEL_MAX_MESSAGE_BYTES);
    var topic = kafka.topics().studentModels();
    List<ModelVersion> versions = new ArrayList<>();
    try (KafkaConsumer<String, ModelVersion> c = new KafkaConsumer<>(p, new StringDeserializer(),
        topic.valueSerde().deserializer())) {
      List<TopicPartition> parts = c.partitionsFor(topic.name()).stream()
          .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(r -> {
          if (r.key().equals(model)) {
            versions.add(r.value());
          }
        });
      }
    }
    assertThat(versions).as("published versions of %s", model).isNotEmpty();
    return versions.get(versions.size() - 1);
  }

  /** The synthetic intent task of tools/fixtures/README.md, drawn with this test's own random numbers. */
  static final class TokenTask {
    record Sequence(long[] ids, long[] mask, int label) {}

    static Sequence draw(Random rnd) {
      int length = 4 + rnd.nextInt(13);
      int label = rnd.nextInt(4);
      int keywords = Math.min(2 + rnd.nextInt(3), length);
      int others = Math.min(rnd.nextInt(2), length - keywords);
      int other = (label + 1 + rnd.nextInt(3)) % 4;
      List<Long> tokens = new ArrayList<>();
      for (int i = 0; i < keywords; i++) {
        tokens.add(1L + 8L * label + rnd.nextInt(8));
      }
      for (int i = 0; i < others; i++) {
        tokens.add(1L + 8L * other + rnd.nextInt(8));
      }
      while (tokens.size() < length) {
        tokens.add(33L + rnd.nextInt(31));
      }
      java.util.Collections.shuffle(tokens, rnd);
      // unpadded: each sequence has its own length, as producers send them
      long[] ids = tokens.stream().mapToLong(Long::longValue).toArray();
      long[] mask = new long[length];
      java.util.Arrays.fill(mask, 1);
      return new Sequence(ids, mask, label);
    }
  }
}
