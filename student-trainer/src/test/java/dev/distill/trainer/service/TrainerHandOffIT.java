package dev.distill.trainer.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.kafka.EmbeddedKafka;
import dev.distill.platform.config.ConfigReader;
import dev.distill.platform.topics.TopicAdmin;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer's hand-offs on a real broker: the outbox commits in the background (the next use
 * waits for it, a failed commit is thrown there), and the soft-target source decodes on its own
 * thread, in order, a few polls ahead.
 */
class TrainerHandOffIT {
  @TempDir static Path dir;
  static EmbeddedKafka kafka;
  static TrainerSettings settings;

  @BeforeAll
  static void broker() throws Exception {
    kafka = EmbeddedKafka.builder().dataDir(dir.resolve("kafka")).port(0).controllerPort(0).build().start();
    settings = TrainerSettings.read(ConfigReader.from(Map.of("DISTILL_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
        "DISTILL_PARTITIONS", "2", "DISTILL_HTTP_PORT", "0")));
    try (Admin admin = Admin.create(settings.kafka().clientProperties())) {
      TopicAdmin.ensure(admin, settings.kafka().topics(), (short) 1);
    }
  }

  @AfterAll
  static void stop() {
    kafka.close();
  }

  @Test
  void aCommitSettlesInTheBackgroundAndItsRecordsThenShow() throws Exception {
    String topic = settings.kafka().topics().softTargetsDlq().name();
    try (Outbox outbox = new Outbox(settings)) {
      outbox.fence();
      outbox.send(new ProducerRecord<>(topic, "k", "committed".getBytes(StandardCharsets.UTF_8)));
      outbox.commit(Map.of(new TopicPartition(settings.kafka().topics().softTargets().name(), 0), 0L));
      assertThat(outbox.open()).isFalse();
      assertThat(outbox.settled(true)).isTrue();
      assertThat(outbox.settled(false)).as("nothing in flight any more").isTrue();
      // the next transaction begins only after the first has settled
      outbox.send(new ProducerRecord<>(topic, "k", "dropped".getBytes(StandardCharsets.UTF_8)));
      outbox.abortIfOpen();
    }
    assertThat(TopicReader.records(kafka.bootstrapServers(), topic)).extracting(r -> new String(r.value(),
        StandardCharsets.UTF_8)).containsExactly("committed");
  }

  @Test
  void aCommitThatFailsInTheBackgroundIsThrownByTheNextUse() throws Exception {
    String topic = settings.kafka().topics().softTargetsDlq().name();
    try (Outbox first = new Outbox(settings); Outbox second = new Outbox(settings)) {
      first.fence();
      first.send(new ProducerRecord<>(topic, "k", new byte[] {1}));
      // a new incarnation with the same transactional id fences the first one's transaction
      second.fence();
      first.commit(Map.of(new TopicPartition(settings.kafka().topics().softTargets().name(), 0), 0L));
      assertThatThrownBy(() -> first.settled(true)).isInstanceOf(KafkaException.class);
    }
  }

  @Test
  void theSourceDecodesOnItsOwnThreadAndHandsOverInOrder() throws Exception {
    TrainerSettings s = TrainerSettings.read(ConfigReader.from(Map.of("DISTILL_BOOTSTRAP_SERVERS",
        kafka.bootstrapServers(), "DISTILL_PARTITIONS", "1", "DISTILL_HTTP_PORT", "0",
        "DISTILL_TOPIC_PREFIX", "source")));
    try (Admin admin = Admin.create(s.kafka().clientProperties())) {
      TopicAdmin.ensure(admin, s.kafka().topics(), (short) 1);
    }
    String topic = s.kafka().topics().softTargets().name();
    int n = 2_000;
    try (Outbox producer = new Outbox(s)) {
      producer.fence();
      for (int i = 0; i < n; i++) {
        producer.send(new ProducerRecord<>(topic, "s-" + i, new byte[] {(byte) i}));
      }
      producer.commit(Map.of(new TopicPartition(topic, 0), 0L));
      producer.settled(true);
    }
    AtomicReference<String> decodedOn = new AtomicReference<>();
    ConsumedOffsets offsets = new ConsumedOffsets();
    long last = -1;
    int seen = 0;
    try (SoftTargetSource source = new SoftTargetSource(s)) {
      source.assign(topic, offsets);
      source.start(r -> {
        decodedOn.set(Thread.currentThread().getName());
        return Intake.Decoded.rejected("test", r.key(), null);
      });
      while (seen < n) {
        List<SoftTargetSource.Fetched<Intake.Decoded>> batch = source.poll(java.time.Duration.ofSeconds(10));
        assertThat(batch).as("records after %d", seen).isNotEmpty();
        for (SoftTargetSource.Fetched<Intake.Decoded> f : batch) {
          ConsumerRecord<String, byte[]> r = f.record();
          assertThat(r.offset()).isGreaterThan(last);
          assertThat(f.decoded().message()).isEqualTo(r.key());
          last = r.offset();
          seen++;
        }
      }
      // the consumer's thread tells the lag after its next poll
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (source.lag() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(source.lag()).isZero();
      source.wakeup();
    } catch (WakeupException e) {
      throw new AssertionError("a wakeup must not reach the training thread", e);
    }
    assertThat(decodedOn.get()).isEqualTo("trainer-" + s.modelName() + "-fetch");
  }
}
