package dev.distill.publisher.kafka;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.distill.contract.proto.DeviceRecord;
import dev.distill.contract.proto.DeviceReport;
import dev.distill.contract.proto.ModelVersion;
import dev.distill.contract.proto.Rollout;
import dev.distill.contract.proto.RolloutCommandRecord;
import dev.distill.contract.proto.RolloutOutcome;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.platform.topics.Topic;
import dev.distill.platform.topics.Topics;
import dev.distill.publisher.state.FleetView;
import dev.distill.publisher.state.StateLog;
import dev.distill.publisher.state.VersionIngest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One reader thread applies the state topics to the view (no consumer group: every replica
 * reads everything); writes are produced and applied locally once acknowledged, so the
 * replica that took a request answers consistently without waiting to read its own write.
 * Rollout state is written only by the elected controller ({@link RolloutLeadership}); this
 * reader applies it in revision order and hands the controller's command outcomes to whoever
 * waits for them. Records are applied one at a time and a version's artifact goes to disk
 * ({@link VersionIngest}), so a replay holds no more than a fetch of the archive in memory;
 * student-models is read only once the archive has been ({@link ModelArchive}).
 */
public final class KafkaStateLog implements StateLog {
  private static final Logger log = LoggerFactory.getLogger(KafkaStateLog.class);
  private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(15);
  /** A device retries a report later: it waits less than an operator's write for the broker's answer. */
  private static final Duration REPORT_TIMEOUT = Duration.ofSeconds(5);
  /**
   * What one fetch of the state reader may bring, per partition and in all. Not the 64 MiB a
   * single model may take: the broker returns the first record batch of a fetch even when it is
   * larger than these limits, so a big version still arrives (alone), while a replay of the
   * archive holds a few MiB of records in memory at a time rather than 64 MiB per partition.
   */
  static final int STATE_FETCH_BYTES = 8 * 1024 * 1024;

  private final Topics topics;
  private final FleetView view;
  private final ModelArchive archive;
  private final KafkaProducer<String, byte[]> producer;
  private final KafkaConsumer<String, byte[]> consumer;
  private final Thread reader;
  private volatile boolean caughtUp;
  private volatile boolean running = true;
  private volatile Throwable failure;
  private final RolloutCommandTopic commands;
  private final List<Consumer<RolloutOutcome>> outcomeListeners = new CopyOnWriteArrayList<>();
  private final Map<TopicPartition, Long> positions = new ConcurrentHashMap<>();
  /** How often the reader asks the broker for an answer when no record says it is there. */
  private static final long CONTACT_PROBE_NANOS = Duration.ofSeconds(5).toNanos();
  /** System.nanoTime() of the broker's last answer to this replica's reader. */
  private volatile long contactNanos = System.nanoTime();

  public KafkaStateLog(KafkaSettings kafka, Topics topics, FleetView view, VersionIngest ingest) {
    this.topics = topics;
    this.commands = new RolloutCommandTopic(kafka);
    this.view = view;
    Map<String, Object> p = new HashMap<>(Map.of(
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
        ProducerConfig.LINGER_MS_CONFIG, 2,
        ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MODEL_MAX_MESSAGE_BYTES,
        ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
        ProducerConfig.CLIENT_ID_CONFIG, "edge-publisher-state",
        // without a broker a write fails within seconds (503 to its caller) instead of a minute
        ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000));
    p.putAll(kafka.clientProperties());
    this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    this.archive = new ModelArchive(topics.modelArchive().name(), view, ingest, producer);
    Map<String, Object> c = new HashMap<>(Map.of(
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, STATE_FETCH_BYTES,
        ConsumerConfig.FETCH_MAX_BYTES_CONFIG, STATE_FETCH_BYTES,
        ConsumerConfig.CLIENT_ID_CONFIG, "edge-publisher-state"));
    c.putAll(kafka.clientProperties());
    this.consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
    this.reader = new Thread(this::read, "publisher-state");
    reader.setDaemon(true);
  }

  public KafkaStateLog start() {
    reader.start();
    return this;
  }

  /** Null while the reader is healthy. */
  public Throwable failure() {
    return failure;
  }

  public boolean alive() {
    return reader.isAlive() || !running;
  }

  private List<Topic<String, ?>> stateTopics() {
    return List.of(topics.modelArchive(), topics.studentModels(), topics.rollouts(), topics.devices(), topics.deviceReports());
  }

  private void read() {
    try {
      List<TopicPartition> partitions = new ArrayList<>();
      for (Topic<String, ?> t : stateTopics()) {
        consumer.partitionsFor(t.name(), Duration.ofSeconds(60))
            .forEach(info -> partitions.add(new TopicPartition(info.topic(), info.partition())));
      }
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(60));
      List<TopicPartition> all = new ArrayList<>(partitions);
      all.add(commands.partition());
      consumer.assign(all);
      consumer.seekToBeginning(partitions);
      // outcomes of commands sent before this replica started answer no request here
      consumer.seekToEnd(List.of(commands.partition()));
      // student-models waits for the whole archive: a version there is then archived at once if
      // new, skipped if not, and none is held back in memory until the reader has caught up
      List<TopicPartition> models = partitions.stream()
          .filter(tp -> tp.topic().equals(topics.studentModels().name())).toList();
      List<TopicPartition> archived = partitions.stream()
          .filter(tp -> tp.topic().equals(topics.modelArchive().name())).toList();
      consumer.pause(models);
      boolean archiveRead = false;
      log.info("reading publisher state from {} partitions", partitions.size());
      long probed = System.nanoTime();
      while (running) {
        var records = consumer.poll(Duration.ofMillis(100));
        if (!records.isEmpty()) {
          contactNanos = System.nanoTime();
        } else if (System.nanoTime() - probed > CONTACT_PROBE_NANOS) {
          // a quiet topic and a lost broker look alike to poll(): ask the broker something
          probed = System.nanoTime();
          probeContact(partitions);
        }
        for (ConsumerRecord<String, byte[]> r : records) {
          try {
            apply(r);
          } catch (InvalidProtocolBufferException | RuntimeException e) {
            log.warn("skipping unreadable record {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.toString());
          }
        }
        for (TopicPartition tp : partitions) {
          positions.put(tp, consumer.position(tp));
        }
        if (!archiveRead && archived.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp))) {
          archiveRead = true;
          consumer.resume(models);
        }
        if (!caughtUp && end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
          caughtUp = true;
          log.info("publisher state caught up: {} models, {} devices", view.models().size(), view.deviceCount());
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (Throwable t) {
      failure = t;
      log.error("the publisher's state reader stopped", t);
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  private void probeContact(List<TopicPartition> partitions) {
    try {
      consumer.endOffsets(partitions.subList(0, 1), Duration.ofSeconds(2));
      contactNanos = System.nanoTime();
    } catch (org.apache.kafka.common.errors.TimeoutException unreachable) {
      // the broker did not answer: contactNanos keeps its age
    }
  }

  /** How long ago the broker last answered this replica's state reader. */
  public Duration sinceContact() {
    return Duration.ofNanos(System.nanoTime() - contactNanos);
  }

  private void apply(ConsumerRecord<String, byte[]> r) throws InvalidProtocolBufferException {
    String t = r.topic();
    byte[] v = r.value();
    if (t.equals(topics.modelArchive().name())) {
      archive.apply(r.key(), v, r.timestamp());
    } else if (t.equals(topics.studentModels().name())) {
      if (v != null) {
        archive.published(ModelVersion.parseFrom(v), r.timestamp());
      }
    } else if (t.equals(topics.rollouts().name())) {
      view.applyRollout(r.key(), v == null ? null : Rollout.parseFrom(v));
    } else if (t.equals(topics.devices().name())) {
      view.applyDevice(r.key(), v == null ? null : DeviceRecord.parseFrom(v));
    } else if (t.equals(topics.deviceReports().name())) {
      if (v != null) {
        view.applyReport(DeviceReport.parseFrom(v));
      }
    } else if (t.equals(commands.name())) {
      if (v != null) {
        RolloutCommandRecord c = RolloutCommandRecord.parseFrom(v);
        if (c.hasOutcome()) {
          // the state it names is in the same transaction, on another topic: apply it first, so
          // that whoever waits for the outcome finds its state in the view
          if (c.getOutcome().hasRollout()) {
            view.applyRollout(c.getOutcome().getModelName(), c.getOutcome().getRollout());
          }
          outcomeListeners.forEach(l -> l.accept(c.getOutcome()));
        }
      }
    }
  }

  private void send(String topic, String key, byte[] value) throws StateWriteException {
    send(topic, key, value, WRITE_TIMEOUT);
  }

  private void send(String topic, String key, byte[] value, Duration timeout) throws StateWriteException {
    try {
      producer.send(new ProducerRecord<>(topic, key, value)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StateWriteException("interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new StateWriteException(topic + ": " + (e.getCause() == null ? e : e.getCause()).toString(), e);
    }
  }

  @Override
  public void registerDevice(DeviceRecord device) throws StateWriteException {
    send(topics.devices().name(), device.getDeviceId(), device.toByteArray());
    view.applyDevice(device.getDeviceId(), device);
  }

  /**
   * Called on the reader thread with every outcome the controller writes after this replica
   * started (the command topic is read from its end: earlier outcomes answer nobody here).
   */
  public void onOutcome(Consumer<RolloutOutcome> listener) {
    outcomeListeners.add(listener);
  }

  /** How far the reader has applied a partition of the state topics (-1: not yet). */
  public long position(TopicPartition partition) {
    return positions.getOrDefault(partition, -1L);
  }

  /** The partitions of the rollout state topic. */
  public List<TopicPartition> rolloutPartitions() {
    return positions.keySet().stream().filter(tp -> tp.topic().equals(topics.rollouts().name())).toList();
  }

  @Override
  public void deregisterDevice(String deviceId) throws StateWriteException {
    send(topics.devices().name(), deviceId, null); // a tombstone: compaction forgets the device
    view.applyDevice(deviceId, null);
  }

  @Override
  public void report(DeviceReport report) throws StateWriteException {
    send(topics.deviceReports().name(), report.getDeviceId(), report.toByteArray(), REPORT_TIMEOUT);
    view.applyReport(report);
  }

  @Override
  public boolean caughtUp() {
    return caughtUp;
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      reader.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close(Duration.ofSeconds(5));
  }
}
