package dev.distill.publisher.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.client.agent.DeviceAgent;
import dev.distill.client.sim.Fleet;
import dev.distill.client.sim.Students;
import dev.distill.contract.data.Dataset;
import dev.distill.contract.data.Datasets;
import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.data.Split;
import dev.distill.contract.proto.ModelVersion;
import dev.distill.contract.proto.Rollout;
import dev.distill.kafka.EmbeddedKafka;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.platform.topics.Topics;
import dev.distill.publisher.PublisherConfig;
import dev.distill.publisher.PublisherService;
import dev.distill.publisher.TestPublishers;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole loop on a real broker: versions published on distill.student-models, the
 * publisher's rollouts, and a simulated fleet of real agents (ONNX Runtime) classifying MNIST
 * test images and reporting their accuracy.
 */
class RolloutIT {
  static final String MODEL = "mnist-student";
  static final int DEVICES = 10;
  @TempDir static Path dir;
  static EmbeddedKafka broker;
  static PublisherService publisher;
  static KafkaProducer<String, ModelVersion> producer;
  static Topics topics;
  static LabelledImages train;
  static LabelledImages test;

  @BeforeAll
  static void start() throws Exception {
    Datasets.ensureAvailable(Dataset.MNIST);
    train = Datasets.load(Dataset.MNIST, Split.TRAIN);
    test = Datasets.load(Dataset.MNIST, Split.TEST);
    broker = EmbeddedKafka.builder().dataDir(dir.resolve("kafka")).port(0).controllerPort(0).build().start();
    PublisherConfig config = TestPublishers.config(dir, Map.of(
        KafkaSettings.BOOTSTRAP, broker.bootstrapServers(),
        KafkaSettings.PARTITIONS, "1",
        PublisherConfig.MIN_WAVE_DURATION, "1s",
        PublisherConfig.POLL_INTERVAL, "2s",
        PublisherConfig.REPORT_INTERVAL, "100ms")); // the fleet reports every 500 ms
    publisher = PublisherService.start(config, Clock.systemUTC());
    topics = config.kafka().topics();
    Map<String, Object> p = new HashMap<>(config.kafka().clientProperties());
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MODEL_MAX_MESSAGE_BYTES);
    producer = new KafkaProducer<>(p, topics.studentModels().keySerde().serializer(),
        topics.studentModels().valueSerde().serializer());
    TestPublishers.await("publisher ready", Duration.ofSeconds(60), publisher::ready);
  }

  @AfterAll
  static void stop() {
    if (producer != null) {
      producer.close();
    }
    if (publisher != null) {
      publisher.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  static void publish(long version, byte[] onnx) throws Exception {
    producer.send(new ProducerRecord<>(topics.studentModels().name(), MODEL,
        Students.version(MODEL, version, onnx, TestPublishers.trainer(dir)))).get();
  }

  static Rollout rollout() {
    return publisher.view().rollout(MODEL).orElse(Rollout.getDefaultInstance());
  }

  @Test
  void aBadVersionStopsAtTheFirstWaveAndIsRolledBackWhileGoodOnesReachTheWholeFleet() throws Exception {
    Map<Long, Set<String>> installedBy = new ConcurrentHashMap<>();
    try (Fleet fleet = Fleet.builder(publisher.apiUri(), publisher.adminUri(), TestPublishers.ADMIN, MODEL).count(DEVICES).data(test)
        .dir(dir.resolve("fleet")).inferenceInterval(Duration.ofMillis(100)).reportInterval(Duration.ofMillis(500))
        .pollInterval(Duration.ofSeconds(2)).batch(32).build().start()) {
      for (DeviceAgent agent : fleet.agents()) {
        agent.onOutcome(o -> {
          if (o.result() == DeviceAgent.Result.INSTALLED) {
            installedBy.computeIfAbsent(o.version(), v -> ConcurrentHashMap.newKeySet()).add(agent.deviceId());
          }
        });
      }

      publish(1, Students.nearestCentroid(train, 5000, 0, 1, 1));
      TestPublishers.await("version 1 on every device", Duration.ofSeconds(60),
          () -> rollout().getState() == Rollout.State.COMPLETED && fleet.snapshot().devicesOn(1) == DEVICES
              && fleet.snapshot().accuracyPerVersion().containsKey(1L));
      double goodAccuracy = fleet.snapshot().accuracyPerVersion().get(1L);
      assertThat(goodAccuracy).isGreaterThan(0.7);

      publish(2, Students.random(784, 64, 10, 7, 2));
      TestPublishers.await("version 2 judged", Duration.ofSeconds(60), () -> rollout().getTargetVersion() == 2
          && rollout().getState() != Rollout.State.ACTIVE);
      Rollout bad = rollout();
      assertThat(bad.getState()).isEqualTo(Rollout.State.ROLLED_BACK);
      assertThat(bad.getCurrentWave()).as("stopped at the first wave").isZero();
      assertThat(bad.getReason()).contains("accuracy");
      assertThat(bad.getLastGoodVersion()).isEqualTo(1);
      // the 1% wave of ten devices is the one canary: only it took the bad version
      assertThat(installedBy.getOrDefault(2L, Set.of())).hasSize(1);
      TestPublishers.await("every device back on version 1", Duration.ofSeconds(30), () -> fleet.snapshot().devicesOn(1) == DEVICES);

      publish(3, Students.nearestCentroid(train, 6000, 0.001, 3, 3));
      TestPublishers.await("version 3 on every device", Duration.ofSeconds(60),
          () -> rollout().getTargetVersion() == 3 && rollout().getState() == Rollout.State.COMPLETED
              && fleet.snapshot().devicesOn(3) == DEVICES);
      assertThat(rollout().getLastGoodVersion()).isEqualTo(1);
      assertThat(installedBy.get(3L)).hasSize(DEVICES);
      assertThat(fleet.snapshot().notifiedMs().get(3L)).hasSize(DEVICES);
    }
  }
}
