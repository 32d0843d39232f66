package dev.distill.publisher.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.distill.client.http.PublisherClient;
import dev.distill.client.sim.Students;
import dev.distill.contract.ota.ImageSigner;
import dev.distill.contract.ota.ImageStatement;
import dev.distill.contract.ota.OtaApi;
import dev.distill.contract.proto.ModelVersion;
import dev.distill.kafka.EmbeddedKafka;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.platform.topics.Topics;
import dev.distill.publisher.PublisherConfig;
import dev.distill.publisher.PublisherService;
import dev.distill.publisher.TestPublishers;
import dev.distill.publisher.state.VersionInfo;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retention on a real broker: with the archive keeping the last 3 versions, 8 published
 * versions and one device reporting version 1 installed leave exactly versions 1, 6, 7 and 8 in
 * the archive (read back to its end, read_committed), in the store and in the view; a restarted
 * publisher with an empty disk serves the same set, and re-archives none of the pruned versions
 * it reads again on student-models.
 */
class RetentionIT {
  static final int KEEP = 3;
  static final int VERSIONS = KEEP + 5;
  @TempDir Path dir;

  PublisherConfig config(EmbeddedKafka broker, String replica) {
    return TestPublishers.config(dir, Map.of(KafkaSettings.BOOTSTRAP, broker.bootstrapServers(),
        KafkaSettings.PARTITIONS, "1", PublisherConfig.ARTIFACT_DIR, dir.resolve(replica).toString(),
        PublisherConfig.WAVES, "100%", PublisherConfig.ARCHIVE_KEEP, Integer.toString(KEEP)));
  }

  @Test
  void theArchiveAndTheStoreKeepTheLastVersionsAndTheOnesDevicesRunAcrossARestart() throws Exception {
    try (EmbeddedKafka broker = EmbeddedKafka.builder().dataDir(dir.resolve("kafka")).port(0).controllerPort(0).build()
        .start()) {
      PublisherConfig a = config(broker, "a");
      Topics topics = a.kafka().topics();
      Map<Long, byte[]> onnx = new HashMap<>();
      for (long v = 1; v <= VERSIONS; v++) {
        onnx.put(v, Students.random(784, 8, 10, v, v));
      }
      Set<Long> kept = Set.of(1L, 6L, 7L, 8L);
      Set<String> keptKeys = kept.stream().map(v -> "m@" + v).collect(Collectors.toSet());
      Set<String> keptShas = kept.stream().map(v -> Students.sha256(onnx.get(v))).collect(Collectors.toSet());

      try (PublisherService publisher = PublisherService.start(a, Clock.systemUTC());
           KafkaProducer<String, ModelVersion> producer = producer(a)) {
        TestPublishers.await("publisher ready", Duration.ofSeconds(60), publisher::ready);
        ImageSigner trainer = TestPublishers.trainer(dir);
        // as a trainer from before versions stopped carrying it: with the resume state inline
        producer.send(new ProducerRecord<>(topics.studentModels().name(), "m", Students.version("m", 1, onnx.get(1L), trainer)
            .toBuilder().setResumeInline(ByteString.copyFrom(new byte[4096])).build())).get();
        TestPublishers.await("version 1 served", Duration.ofSeconds(60), () -> publisher.view().hasVersion("m", 1));
        String token = TestPublishers.admin(publisher).register("dev-1", "m").token();
        PublisherClient client = client(publisher);
        client.report("dev-1", token, new OtaApi.Report("m", 1, "RUNNING", "", 10, 1, 2, 0, null, 0, "", null));

        for (long v = 2; v <= VERSIONS; v++) {
          producer.send(new ProducerRecord<>(topics.studentModels().name(), "m", Students.version("m", v, onnx.get(v), trainer)))
              .get();
        }
        TestPublishers.await("the archive pruned to " + kept, Duration.ofSeconds(90),
            () -> served(publisher).equals(kept));

        Map<String, ModelVersion> archive = archive(a);
        assertThat(archive.entrySet().stream().filter(e -> e.getValue() != null).map(Map.Entry::getKey))
            .containsExactlyInAnyOrderElementsOf(keptKeys);
        assertThat(archive.values().stream().filter(v -> v != null).toList()).allSatisfy(v -> {
          assertThat(v.getResumeStateCase()).isEqualTo(ModelVersion.ResumeStateCase.RESUMESTATE_NOT_SET);
          assertThat(v.getOnnx().toByteArray()).isEqualTo(onnx.get(v.getVersion()));
          assertThat(ImageStatement.parse(v.getImageSignature().getStatement().toByteArray()))
              .as("the trainer's image signature is archived with the version").isEqualTo(ImageStatement.of(v));
        });
        assertThat(publisher.store().artifacts()).containsExactlyInAnyOrderElementsOf(keptShas);
        assertThat(publisher.view().versionsInUse("m")).as("installed on dev-1, and the rollout's target")
            .containsExactly(1L, 8L);

        // the device on version 1 gets its assignment in full: no delta from a pruned base
        assertThat(ReplicaStateIT.assignment(client, token).version()).isEqualTo(8);
        assertThat(client.delta(Students.sha256(onnx.get(8L)), Students.sha256(onnx.get(5L)), token, 1 << 20)).isEmpty();
        Path part = dir.resolve("v8.part");
        client.download(Students.sha256(onnx.get(8L)), token, part, onnx.get(8L).length);
        assertThat(Files.readAllBytes(part)).isEqualTo(onnx.get(8L));

        String metrics = scrape(publisher);
        assertThat(metrics).containsPattern("distill_publisher_archive_versions\\{[^}]*} 4\\.0")
            .containsPattern("distill_publisher_archive_pruned_total\\{[^}]*} 4\\.0");
      }

      // a new instance on an empty disk reads the archive (versions, then their tombstones) and
      // student-models (every version again, not yet compacted)
      try (PublisherService restarted = PublisherService.start(config(broker, "b"), Clock.systemUTC())) {
        TestPublishers.await("restarted publisher ready", Duration.ofSeconds(60), restarted::ready);
        assertThat(served(restarted)).isEqualTo(kept);
        assertThat(restarted.view().versions("m")).as("metadata only: the bytes are in the store").allSatisfy(i -> {
          assertThat(i.metadata().getArtifactCase()).isEqualTo(ModelVersion.ArtifactCase.ARTIFACT_NOT_SET);
          assertThat(i.metadata().getSerializedSize()).isLessThan(1024);
        });
        assertThat(restarted.store().artifacts()).containsExactlyInAnyOrderElementsOf(keptShas);
        Thread.sleep(1_000); // time for a wrongly re-archived version to arrive
        assertThat(archive(a).entrySet().stream().filter(e -> e.getValue() != null).map(Map.Entry::getKey))
            .as("no pruned version archived again").containsExactlyInAnyOrderElementsOf(keptKeys);
      }
    }
  }

  static Set<Long> served(PublisherService p) {
    return p.view().versions("m").stream().map(VersionInfo::version).collect(Collectors.toSet());
  }

  static KafkaProducer<String, ModelVersion> producer(PublisherConfig config) {
    Map<String, Object> p = new HashMap<>(config.kafka().clientProperties());
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MODEL_MAX_MESSAGE_BYTES);
    Topics topics = config.kafka().topics();
    return new KafkaProducer<>(p, topics.studentModels().keySerde().serializer(),
        topics.studentModels().valueSerde().serializer());
  }

  /** The archive read to its end, read_committed: each key's latest value, null for a tombstone. */
  static Map<String, ModelVersion> archive(PublisherConfig config) throws Exception {
    Map<String, Object> p = new HashMap<>(config.kafka().clientProperties());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    TopicPartition tp = new TopicPartition(config.kafka().topics().modelArchive().name(), 0);
    Map<String, ModelVersion> latest = new LinkedHashMap<>();
    try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long end = c.endOffsets(List.of(tp)).get(tp);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (c.position(tp) < end && System.nanoTime() < deadline) {
        for (var r : c.poll(Duration.ofMillis(200))) {
          latest.put(r.key(), r.value() == null ? null : ModelVersion.parseFrom(r.value()));
        }
      }
      assertThat(c.position(tp)).as("the archive read to its end").isGreaterThanOrEqualTo(end);
    }
    return latest;
  }

  static PublisherClient client(PublisherService p) {
    return new PublisherClient(PublisherClient.newHttpClient(Executors.newSingleThreadExecutor()), p.apiUri());
  }

  static String scrape(PublisherService p) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + p.opsPort()
        + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
  }
}
