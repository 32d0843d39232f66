package dev.distill.cli.demo;

import dev.distill.contract.proto.ModelVersion;
import dev.distill.contract.proto.TrainerCheckpoint;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.platform.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every model version committed to {@code distill.student-models}, in the order published, and
 * each trainer's latest committed checkpoint (how many samples its committed state holds). The
 * topics are compacted (one record per model survives), so this reader starts before the
 * trainers publish and keeps each version as it arrives: the results need them all.
 */
final class VersionLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(VersionLog.class);

  private final Map<String, List<ModelVersion>> byModel = new ConcurrentHashMap<>();
  private final Map<String, TrainerCheckpoint> checkpoints = new ConcurrentHashMap<>();
  private final Topics topics;
  private final KafkaConsumer<String, byte[]> consumer;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile Throwable failure;

  VersionLog(KafkaSettings kafka, Topics topics) {
    Map<String, Object> p = new HashMap<>(kafka.clientProperties());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "demo-versions");
    // a version carries its ONNX bytes inline
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Topics.MODEL_MAX_MESSAGE_BYTES);
    p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Topics.MODEL_MAX_MESSAGE_BYTES);
    this.topics = topics;
    consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> parts = new ArrayList<>();
    for (String topic : List.of(topics.studentModels().name(), topics.trainerCheckpoints().name())) {
      consumer.partitionsFor(topic).forEach(i -> parts.add(new TopicPartition(i.topic(), i.partition())));
    }
    consumer.assign(parts);
    consumer.seekToBeginning(parts);
    thread = new Thread(this::run, "demo-versions");
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    try {
      while (running) {
        for (var r : consumer.poll(Duration.ofMillis(500))) {
          if (r.value() == null) {
            continue;
          }
          if (r.topic().equals(topics.studentModels().name())) {
            byModel.computeIfAbsent(r.key(), k -> new CopyOnWriteArrayList<>())
                .add(topics.studentModels().valueSerde().deserializer().deserialize(r.topic(), r.value()));
          } else {
            checkpoints.put(r.key(),
                topics.trainerCheckpoints().valueSerde().deserializer().deserialize(r.topic(), r.value()));
          }
        }
      }
    } catch (WakeupException e) {
      // close() asked us to stop
    } catch (RuntimeException e) {
      LOG.error("reading model versions failed", e);
      failure = e;
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  /** The versions of a model seen so far, oldest first. */
  List<ModelVersion> of(String model) {
    return List.copyOf(byModel.getOrDefault(model, List.of()));
  }

  /** The newest version number seen of a model; 0 for none. */
  long latest(String model) {
    return of(model).stream().mapToLong(ModelVersion::getVersion).max().orElse(0);
  }

  /** A model's last committed trainer state, if it has committed one. */
  Optional<TrainerCheckpoint> checkpoint(String model) {
    return Optional.ofNullable(checkpoints.get(model));
  }

  Throwable failure() {
    return failure;
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    consumer.wakeup();
    thread.join(10_000);
  }
}
