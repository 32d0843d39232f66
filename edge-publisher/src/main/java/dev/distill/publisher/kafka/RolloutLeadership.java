package dev.distill.publisher.kafka;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.distill.contract.proto.Rollout;
import dev.distill.contract.proto.RolloutCommandRecord;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.publisher.retention.ArchiveKey;
import dev.distill.publisher.retention.ArchiveRetention;
import dev.distill.publisher.rollout.RolloutController;
import dev.distill.publisher.rollout.RolloutController.Decision;
import dev.distill.publisher.state.FleetView;
import dev.distill.publisher.state.StateLog.StateWriteException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes this replica the rollout controller while, and only while, it holds the one partition
 * of the command topic in the controller consumer group. On taking it, the replica starts a
 * producer with the controller's fixed transactional id, which fences the previous controller
 * (its open transaction is aborted, its later commits fail), and reads the rollout state up to
 * what is committed then before it decides anything. It then applies commands in order, each
 * in one transaction with its new state, its outcome and the command's consumed offset, ticks
 * the waves, and prunes the model archive ({@link ArchiveRetention}: tombstones, one
 * transaction per pass, on taking over, at each new version and every {@link #PRUNE_INTERVAL}).
 * Any failed write deposes it: it rejoins the group and starts over, so two replicas never both
 * act on a state they have not both seen.
 */
public final class RolloutLeadership implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RolloutLeadership.class);
  /** Devices' reports and rollouts keep versions in use; a pass also runs at every new version. */
  static final Duration PRUNE_INTERVAL = Duration.ofMinutes(1);

  private final RolloutCommandTopic topic;
  private final String rolloutTopic;
  private final String archiveTopic;
  private final ArchiveRetention retention;
  private final KafkaSettings kafka;
  private final KafkaStateLog stateLog;
  private final FleetView view;
  private final Duration tickInterval;
  private final KafkaConsumer<String, byte[]> consumer;
  private final Thread thread;
  private RolloutController controller;
  private KafkaProducer<String, byte[]> producer;
  /** Holds the partition (set by the rebalance listener, on this thread). */
  private boolean owns;
  /** The rollout state up to which the view must be read before the first decision. */
  private Map<TopicPartition, Long> catchUpTo;
  private volatile boolean leading;
  private volatile boolean running = true;
  private volatile boolean tickSoon;
  private volatile boolean pruneSoon;

  public RolloutLeadership(KafkaSettings kafka, KafkaStateLog stateLog, FleetView view, ArchiveRetention retention,
      Duration tickInterval) {
    this.topic = new RolloutCommandTopic(kafka);
    this.rolloutTopic = kafka.topics().rollouts().name();
    this.archiveTopic = kafka.topics().modelArchive().name();
    this.retention = retention;
    this.kafka = kafka;
    this.stateLog = stateLog;
    this.view = view;
    this.tickInterval = tickInterval;
    Map<String, Object> c = new HashMap<>(Map.of(
        ConsumerConfig.GROUP_ID_CONFIG, topic.controllerGroup(),
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        // a command queued while no controller ran is applied by the first one
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        // a crashed controller is replaced within this (a closed one at once: it leaves the group)
        ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000,
        ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 2_000,
        ConsumerConfig.CLIENT_ID_CONFIG, "edge-publisher-controller"));
    c.putAll(kafka.clientProperties());
    this.consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
    this.thread = new Thread(this::run, "publisher-rollout-controller");
    thread.setDaemon(true);
  }

  /** Starts competing for the controller role; decisions are {@code controller}'s. */
  public RolloutLeadership start(RolloutController controller) {
    this.controller = controller;
    thread.start();
    return this;
  }

  /** Whether this replica is the controller now (it has fenced its predecessor and read its state). */
  public boolean leading() {
    return leading;
  }

  /**
   * A new version: tick at once rather than at the next interval (publish-to-device latency),
   * then see which versions fall out of the archive.
   */
  public void tickSoon() {
    tickSoon = true;
    pruneSoon = true;
  }

  private void run() {
    consumer.subscribe(List.of(topic.name()), new ConsumerRebalanceListener() {
      @Override
      public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        if (partitions.contains(topic.partition())) {
          owns = false;
          depose("the command partition was reassigned");
        }
      }

      @Override
      public void onPartitionsLost(Collection<TopicPartition> partitions) {
        if (partitions.contains(topic.partition())) {
          owns = false;
          depose("this replica left the controller group");
        }
      }

      @Override
      public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        if (partitions.contains(topic.partition())) {
          // nothing is read from it until this replica has fenced the old controller and caught up
          consumer.pause(List.of(topic.partition()));
          owns = true;
        }
      }
    });
    long lastTick = 0;
    long lastPrune = System.nanoTime();
    try {
      while (running) {
        List<ConsumerRecord<String, byte[]>> records = consumer.poll(Duration.ofMillis(100)).records(topic.partition());
        try {
          if (owns && producer == null) {
            takeOver();
          }
          if (owns && producer != null && !leading) {
            checkCaughtUp();
          }
          if (!leading) {
            continue;
          }
          for (ConsumerRecord<String, byte[]> r : records) {
            handle(r);
          }
          long now = System.nanoTime();
          if (tickSoon || now - lastTick >= tickInterval.toNanos()) {
            tickSoon = false;
            lastTick = now;
            controller.tick();
          }
          if (pruneSoon || now - lastPrune >= PRUNE_INTERVAL.toNanos()) {
            pruneSoon = false;
            lastPrune = now;
            prune();
          }
        } catch (StateWriteException | RuntimeException e) {
          if (e instanceof WakeupException w) {
            throw w;
          }
          // fenced (another replica took over), a write whose fate is unknown, or a decision that
          // failed half-way: start over from what is committed, as a candidate again
          depose(e.toString());
          consumer.enforceRebalance();
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      log.error("the rollout controller stopped", e);
    } finally {
      depose("closing");
      consumer.close(Duration.ofSeconds(5));
    }
  }

  private void takeOver() {
    // again after a failed write: nothing is read until this replica has caught up
    consumer.pause(List.of(topic.partition()));
    Map<String, Object> p = new HashMap<>(Map.of(
        ProducerConfig.TRANSACTIONAL_ID_CONFIG, topic.transactionalId(),
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
        // an unfinished transaction of a controller that died holds back every read_committed
        // reader of the state topics until it times out (a successor aborts it at once)
        ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 15_000,
        ProducerConfig.CLIENT_ID_CONFIG, "edge-publisher-controller"));
    p.putAll(kafka.clientProperties());
    KafkaProducer<String, byte[]> candidate = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    try {
      candidate.initTransactions(); // fences the previous controller and aborts its open transaction
    } catch (KafkaException e) {
      candidate.close(Duration.ZERO);
      throw e;
    }
    producer = candidate;
    // commands are consumed from what the last controller committed with its decisions
    OffsetAndMetadata committed = consumer.committed(Set.of(topic.partition())).get(topic.partition());
    if (committed == null) {
      consumer.seekToBeginning(List.of(topic.partition()));
    } else {
      consumer.seek(topic.partition(), committed.offset());
    }
    catchUpTo = null;
    log.info("rollout controller candidate holds the command partition; reading the committed rollout state");
  }

  private void checkCaughtUp() {
    if (!stateLog.caughtUp()) {
      return;
    }
    if (catchUpTo == null) {
      // after fencing: nothing more can be committed by the predecessor, so this end is final
      catchUpTo = consumer.endOffsets(stateLog.rolloutPartitions());
    }
    for (var e : catchUpTo.entrySet()) {
      if (stateLog.position(e.getKey()) < e.getValue()) {
        return;
      }
    }
    leading = true;
    pruneSoon = true;
    consumer.resume(List.of(topic.partition()));
    log.info("this replica is the rollout controller");
  }

  private void handle(ConsumerRecord<String, byte[]> r) throws StateWriteException {
    RolloutCommandRecord record;
    try {
      record = r.value() == null ? null : RolloutCommandRecord.parseFrom(r.value());
    } catch (InvalidProtocolBufferException e) {
      log.warn("skipping unreadable command at offset {}: {}", r.offset(), e.toString());
      return;
    }
    if (record == null || !record.hasCommand()) {
      return; // outcomes, this controller's or a predecessor's
    }
    Decision d = controller.decide(record.getCommand());
    producer.beginTransaction();
    if (d.state() != null) {
      producer.send(new ProducerRecord<>(rolloutTopic, d.state().getModelName(), d.state().toByteArray()));
    }
    producer.send(new ProducerRecord<>(topic.name(), d.outcome().getModelName(),
        RolloutCommandRecord.newBuilder().setOutcome(d.outcome()).build().toByteArray()));
    producer.sendOffsetsToTransaction(Map.of(topic.partition(), new OffsetAndMetadata(r.offset() + 1)),
        consumer.groupMetadata());
    producer.commitTransaction();
    if (d.state() != null) {
      view.applyRollout(d.state().getModelName(), d.state());
    }
    log.info("command {} {} on {}: {} {}", record.getCommand().getCommandId(), record.getCommand().getKind(),
        record.getCommand().getModelName(), d.outcome().getResult(), d.outcome().getMessage());
  }

  /** Tombstones for the archived versions the retention policy lets go, in one transaction. */
  private void prune() {
    List<ArchiveKey> due = retention.due();
    if (due.isEmpty()) {
      return;
    }
    producer.beginTransaction();
    for (ArchiveKey k : due) {
      producer.send(new ProducerRecord<>(archiveTopic, k.toString(), null));
    }
    producer.commitTransaction();
    retention.sent(due);
    log.info("pruned {} versions from the model archive: {}", due.size(), due);
  }

  /** The controller's writer: one transaction per automatic decision; only while leading. */
  public void write(Rollout state) throws StateWriteException {
    if (!leading || Thread.currentThread() != thread) {
      throw new StateWriteException("this replica is not the rollout controller", null);
    }
    try {
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(rolloutTopic, state.getModelName(), state.toByteArray()));
      producer.commitTransaction();
    } catch (KafkaException e) {
      throw new StateWriteException(rolloutTopic + ": " + e, e);
    }
    view.applyRollout(state.getModelName(), state);
  }

  private void depose(String why) {
    boolean was = leading;
    leading = false;
    catchUpTo = null;
    if (producer != null) {
      producer.close(Duration.ZERO); // an open transaction is aborted by the broker (or by the successor)
      producer = null;
    }
    if (was && why.equals("closing")) {
      log.info("this replica stopped being the rollout controller: closing");
    } else if (was) {
      log.warn("this replica stopped being the rollout controller: {}", why);
    }
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
