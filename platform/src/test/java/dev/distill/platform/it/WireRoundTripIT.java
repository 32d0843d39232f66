package dev.distill.platform.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.distill.contract.proto.DeviceReport;
import dev.distill.contract.proto.ModelVersion;
import dev.distill.contract.proto.OffsetRange;
import dev.distill.contract.proto.Rollout;
import dev.distill.contract.proto.Sample;
import dev.distill.contract.proto.SoftTarget;
import dev.distill.contract.wire.SampleJson;
import dev.distill.contract.wire.Tensors;
import dev.distill.kafka.EmbeddedKafka;
import dev.distill.platform.config.ConfigReader;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.platform.ingest.KafkaClients;
import dev.distill.platform.topics.RecordDecodeException;
import dev.distill.platform.topics.Topic;
import dev.distill.platform.topics.TopicAdmin;
import dev.distill.platform.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every message type through a real broker, with the catalog's serdes. */
class WireRoundTripIT {
  @TempDir static Path dir;
  static EmbeddedKafka broker;
  static KafkaSettings kafka;
  static Topics topics;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = EmbeddedKafka.builder().dataDir(dir).port(0).controllerPort(0).build().start();
    kafka = KafkaSettings.read(ConfigReader.from(Map.of(
        KafkaSettings.BOOTSTRAP, broker.bootstrapServers(), KafkaSettings.PARTITIONS, "2")));
    topics = kafka.topics();
    try (Admin admin = Admin.create(kafka.clientProperties())) {
      assertThat(TopicAdmin.ensure(admin, topics, (short) 1)).hasSize(topics.all().size());
      assertThat(TopicAdmin.ensure(admin, topics, (short) 1)).as("second call creates nothing").isEmpty();
      var cfg = admin.describeConfigs(List.of(new org.apache.kafka.common.config.ConfigResource(
              org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topics.studentModels().name())))
          .all().get(30, TimeUnit.SECONDS).values().iterator().next();
      assertThat(cfg.get("cleanup.policy").value()).isEqualTo("compact");
      assertThat(cfg.get("max.message.bytes").value()).isEqualTo(Integer.toString(Topics.MODEL_MAX_MESSAGE_BYTES));
    }
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  private static <V> List<ConsumerRecord<String, V>> readAll(Topic<String, V> topic, int expected) {
    Map<String, Object> p = new HashMap<>(kafka.clientProperties());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<ConsumerRecord<String, V>> out = new ArrayList<>();
    try (KafkaConsumer<String, V> c = new KafkaConsumer<>(p, topic.keySerde().deserializer(), topic.valueSerde().deserializer())) {
      List<TopicPartition> tps = new ArrayList<>();
      for (int i = 0; i < topic.partitions(); i++) {
        tps.add(new TopicPartition(topic.name(), i));
      }
      c.assign(tps);
      c.seekToBeginning(tps);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (out.size() < expected && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }

  private static <V> void send(Topic<String, V> topic, String key, V value) throws Exception {
    Map<String, Object> p = new HashMap<>(kafka.clientProperties());
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MODEL_MAX_MESSAGE_BYTES);
    try (KafkaProducer<String, V> producer =
        new KafkaProducer<>(p, topic.keySerde().serializer(), topic.valueSerde().serializer())) {
      producer.send(new ProducerRecord<>(topic.name(), key, value)).get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void everyMessageTypeSurvivesTheBroker() throws Exception {
    SoftTarget target = SoftTarget.newBuilder()
        .setSampleId("s-1").setNumClasses(3).setTemperature(20f)
        .addProbs(0.5f).addProbs(0.25f).addProbs(0.25f).setLabel(0)
        .setFeatures(Tensors.uint8(new byte[] {1, 2, 3, 4}, 2, 2))
        .setTeacherId("mnist-cnn").setTeacherVersion("3").setEnsembleSize(1).build();
    // a model near the size of a real 784-800-800-10 student, to exercise the large-message settings
    byte[] onnx = new byte[6 * 1024 * 1024];
    new java.util.Random(1).nextBytes(onnx);
    ModelVersion model = ModelVersion.newBuilder()
        .setModelName("mnist-student").setVersion(2).setParentVersion(1).setTemperature(20f).setAlpha(0.9f)
        .setArchitecture("mlp:784-800-800-10").setFormat("onnx").setSizeBytes(onnx.length)
        .addOffsets(OffsetRange.newBuilder().setTopic("distill.soft-targets").setPartition(0).setFirstOffset(0).setLastOffset(999))
        .putMetrics("holdout_accuracy", 0.975).setOnnx(ByteString.copyFrom(onnx)).build();
    DeviceReport report = DeviceReport.newBuilder()
        .setDeviceId("dev-7").setModelName("mnist-student").setInstalledVersion(2)
        .setStatus(DeviceReport.Status.RUNNING).setInferenceCount(100).setAccuracy(0.97).build();
    Rollout rollout = Rollout.newBuilder()
        .setModelName("mnist-student").setRolloutId("r-2").setTargetVersion(2).setLastGoodVersion(1)
        .setState(Rollout.State.ACTIVE).addWaves(0.01).addWaves(0.1).addWaves(1.0).build();

    send(topics.softTargets(), "s-1", target);
    send(topics.studentModels(), "mnist-student", model);
    send(topics.deviceReports(), "dev-7", report);
    send(topics.rollouts(), "mnist-student", rollout);

    assertThat(readAll(topics.softTargets(), 1)).singleElement().extracting(ConsumerRecord::value).isEqualTo(target);
    assertThat(readAll(topics.studentModels(), 1)).singleElement().extracting(ConsumerRecord::value).isEqualTo(model);
    assertThat(readAll(topics.deviceReports(), 1)).singleElement().extracting(ConsumerRecord::value).isEqualTo(report);
    assertThat(readAll(topics.rollouts(), 1)).singleElement().extracting(ConsumerRecord::value).isEqualTo(rollout);
  }

  @Test
  void jsonAndProtobufSamplesDecodeToTheSameSampleAndGarbageFailsPrecisely() throws Exception {
    Topic<String, Sample> samples = topics.samples();
    Sample sample = Sample.newBuilder().setId("same").setLabel(3).setSource("it")
        .setFeatures(Tensors.uint8(new byte[] {0, 127, (byte) 255, 9}, 2, 2)).build();
    try (KafkaProducer<String, Sample> p = KafkaClients.producer(kafka, samples, "it-proto")) {
      p.send(new ProducerRecord<>(samples.name(), 0, "same", sample)).get(30, TimeUnit.SECONDS);
    }
    try (KafkaProducer<String, byte[]> raw = new KafkaProducer<>(kafka.clientProperties(),
        new StringSerializer(), new ByteArraySerializer())) {
      var json = new ProducerRecord<>(samples.name(), 0, "same", SampleJson.toJson(sample).getBytes(StandardCharsets.UTF_8));
      json.headers().add("content-type", "application/json".getBytes(StandardCharsets.UTF_8));
      raw.send(json).get(30, TimeUnit.SECONDS);
      // a short tensor: decodes as protobuf, breaks the contract
      Sample shortData = sample.toBuilder().setFeatures(Tensors.uint8(new byte[3], 2, 2)).build();
      raw.send(new ProducerRecord<>(samples.name(), 1, "bad", shortData.toByteArray())).get(30, TimeUnit.SECONDS);
    }

    List<ConsumerRecord<String, Sample>> got = readAll(samples, 2);
    assertThat(got).hasSize(2).allSatisfy(r -> assertThat(r.value()).isEqualTo(sample));

    Map<String, Object> p = new HashMap<>(kafka.clientProperties());
    try (KafkaConsumer<String, Sample> c = new KafkaConsumer<>(p, samples.keySerde().deserializer(), samples.valueSerde().deserializer())) {
      TopicPartition tp = new TopicPartition(samples.name(), 1);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      assertThatThrownBy(() -> {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
          c.poll(Duration.ofMillis(200));
        }
      }).isInstanceOfSatisfying(RecordDeserializationException.class, e -> {
        assertThat(e.offset()).isZero();
        assertThat(e.getCause()).isInstanceOf(RecordDecodeException.class).hasMessage(
            "topic " + samples.name() + ": cannot decode distill.v1.Sample.features.data: shape [2, 2] of UINT8 needs 4 bytes, got 3");
      });
    }
  }
}
